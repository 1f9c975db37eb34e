-- The consortium's order of supplying libraries (`commons-hub sharing order`): among the
-- members that can supply a request, those listed are asked first, in this order; the
-- rest follow, fewest open requests first.
CREATE TABLE sharing_supplier_order (
    library_id TEXT PRIMARY KEY REFERENCES libraries(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL UNIQUE
);
