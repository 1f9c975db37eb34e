//! The tantivy index of the catalogue, derived from the cache and always rebuildable from it.
//!
//! **Invariant:** the cache is the source of truth. Every catalogue write bumps
//! `catalogue_generation` in the cache's `meta` table in the same transaction; the index
//! records the generation it was built from in `generation` beside its files, written only
//! after a successful commit. A mismatch (a crash between the two writes, a copied cache, a
//! deleted index) is detected when the index is opened and repaired by rebuilding.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::OptionalExtension;
use tantivy::collector::{Collector, Count, FacetCollector, TopDocs};
use tantivy::indexer::UserOperation;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EnableScoring, Occur, PhraseQuery, Query, RegexQuery,
    TermQuery,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::{DocAddress, Index, IndexReader, Order, ReloadPolicy, TantivyDocument, Term};

mod documents;
mod facets;

pub(crate) use documents::Indexed;
use documents::{Buffers, document, for_each_document, hydrate};
use facets::{FIELD_NAMES, FacetSlots, SegmentTotals, SlotCounts, WORDS};

use super::query::{Clause, Scope, parse};
use super::text::normalized;
use crate::store::{Store, StoreError};

/// Why the index could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the search index at {path} cannot be used: {detail}")]
    Index { path: PathBuf, detail: String },
    /// Tantivy allows one writer: another process (`commons import` beside the app, say)
    /// has it.
    #[error(
        "another Commons process is writing the search index at {path} (a sync, an import or a rebuild): try again when it has finished"
    )]
    Busy { path: PathBuf },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SearchError {
    pub fn code(&self) -> &'static str {
        match self {
            SearchError::Index { .. } => "search_index",
            SearchError::Busy { .. } => "search_index_busy",
            SearchError::Store(e) => e.code(),
        }
    }
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
    Oldest,
    Title,
}

/// A search as the catalogue screen asks it.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// Facet values that must all hold, as `group/value` (e.g. `format/book`, `library/central`,
    /// `available/yes`).
    pub filters: Vec<String>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

/// One result, hydrated from the cache for display.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub authors: Vec<String>,
    pub year: Option<i64>,
    pub format: String,
    pub language: String,
    pub copies: u32,
    pub available: u32,
    pub libraries: u32,
}

/// How many matching records fall in one facet value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    pub group: String,
    pub value: String,
    pub count: u64,
}

/// One field's share of the index, in bytes ([`SearchIndex::space_by_field`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSpace {
    pub field: String,
    pub terms: u64,
    pub postings: u64,
    pub positions: u64,
    pub fast: u64,
    pub norms: u64,
    /// The stored values (only the record ids), reported as the field `(store)`.
    pub stored: u64,
}

impl FieldSpace {
    pub fn total(&self) -> u64 {
        self.terms + self.postings + self.positions + self.fast + self.norms + self.stored
    }
}

/// A page of results with the total and the facet counts over every match.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub total: u64,
    pub hits: Vec<Hit>,
    pub facets: Vec<FacetCount>,
}

/// What the index holds for each record, beyond its schema; an index of another format is
/// rebuilt on open. 2: sub-discipline facets. 4: the title's word pairs, for the boost of a
/// phrase found in the title. 5: the sort title a column only, not indexed.
const INDEX_FORMAT: &str = "5";

/// The index's layout and the text folding its tokens were made with: an index built with
/// another is rebuilt.
fn index_format() -> String {
    format!("{INDEX_FORMAT}.{}", commons_catalogue::text::FOLDING)
}

/// Facet groups, in the order the catalogue screen shows them.
pub const FACET_GROUPS: &[&str] = &[
    "available",
    "format",
    "discipline",
    "subdiscipline",
    "language",
    "decade",
    "library",
];

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    all: Field,
    title: Field,
    author: Field,
    subject: Field,
    call: Field,
    prefix: Field,
    pairs: Field,
    ident: Field,
    facet: Field,
    year: Field,
    title_sort: Field,
    slots: [Field; WORDS],
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |positions: bool| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("whitespace")
                .set_index_option(if positions {
                    IndexRecordOption::WithFreqsAndPositions
                } else {
                    IndexRecordOption::WithFreqs
                }),
        )
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        all: b.add_text_field("all", text(true)),
        title: b.add_text_field("title", text(true)),
        author: b.add_text_field("author", text(true)),
        subject: b.add_text_field("subject", text(true)),
        call: b.add_text_field("call", text(true)),
        prefix: b.add_text_field("prefix", text(false)),
        pairs: b.add_text_field(
            "pairs",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("whitespace")
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        ident: b.add_text_field("ident", STRING),
        facet: b.add_facet_field("facet", FacetOptions::default()),
        year: b.add_i64_field("year", INDEXED | FAST),
        // Only read as a column to sort by: a term dictionary of every title (45 MiB at a
        // million records) would serve no query.
        title_sort: b.add_text_field("title_sort", FAST),
        slots: FIELD_NAMES.map(|name| b.add_u64_field(name, FAST)),
    };
    (b.build(), fields)
}

/// The open index.
pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Swapped for a grown table before the reader sees documents using new slots.
    slots: Mutex<Arc<FacetSlots>>,
    totals: Arc<SegmentTotals>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish()
    }
}

fn generation(store: &Store) -> Result<i64, StoreError> {
    let v: Option<String> = store
        .conn()
        .query_row(
            "SELECT value FROM meta WHERE key = 'catalogue_generation'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| store.err(e))?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Marks the catalogue as changed; call inside the transaction that changes it.
pub fn bump_generation(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('catalogue_generation', '1')
         ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
        [],
    )
    .map(drop)
}

impl SearchIndex {
    fn err(&self, e: impl std::fmt::Display) -> SearchError {
        SearchError::Index {
            path: self.dir.clone(),
            detail: e.to_string(),
        }
    }

    /// The index's bytes by field: term dictionary, postings, positions, fast fields and
    /// field norms, summed over the segments, largest first (what each field costs; the
    /// benchmark prints it).
    pub fn space_by_field(&self) -> Result<Vec<FieldSpace>, SearchError> {
        let usage = self
            .reader
            .searcher()
            .space_usage()
            .map_err(|e| self.err(e))?;
        let mut by_name: std::collections::BTreeMap<String, FieldSpace> = Default::default();
        fn entry<'a>(
            by_name: &'a mut std::collections::BTreeMap<String, FieldSpace>,
            name: &str,
        ) -> &'a mut FieldSpace {
            by_name
                .entry(name.to_owned())
                .or_insert_with(|| FieldSpace {
                    field: name.to_owned(),
                    ..FieldSpace::default()
                })
        }
        for segment in usage.segments() {
            let parts = [
                segment.termdict(),
                segment.postings(),
                segment.positions(),
                segment.fast_fields(),
                segment.fieldnorms(),
            ];
            for (part, per_field) in parts.into_iter().enumerate() {
                for field in per_field.fields() {
                    let e = entry(&mut by_name, field.field_name());
                    let slot = match part {
                        0 => &mut e.terms,
                        1 => &mut e.postings,
                        2 => &mut e.positions,
                        3 => &mut e.fast,
                        _ => &mut e.norms,
                    };
                    *slot += field.total().get_bytes();
                }
            }
            entry(&mut by_name, "(store)").stored += segment.store().total().get_bytes();
        }
        let mut fields: Vec<FieldSpace> = by_name.into_values().collect();
        fields.sort_by_key(|f| std::cmp::Reverse(f.total()));
        Ok(fields)
    }

    /// Opens the index in `dir`, rebuilding it from the cache when it is missing, damaged or
    /// out of step with the cache. Returns the index and whether it was rebuilt.
    pub fn open(
        dir: &Path,
        store: &Store,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(SearchIndex, bool), SearchError> {
        let want = generation(store)?;
        let have = std::fs::read_to_string(dir.join("generation"))
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok());
        if have == Some(want)
            && let Ok(index) = Index::open_in_dir(dir)
            && index.schema() == schema().0
            && std::fs::read_to_string(dir.join("format")).ok().as_deref()
                == Some(index_format().as_str())
            && let Some(slots) = FacetSlots::load(dir)
            && let Ok(si) = SearchIndex::from_index(dir, index, slots)
        {
            return Ok((si, false));
        }
        tracing::info!(dir = %dir.display(), ?have, want, "rebuilding the search index");
        Ok((SearchIndex::rebuild(dir, store, progress)?, true))
    }

    fn from_index(dir: &Path, index: Index, slots: FacetSlots) -> Result<SearchIndex, SearchError> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e: tantivy::TantivyError| SearchError::Index {
                path: dir.to_path_buf(),
                detail: e.to_string(),
            })?;
        Ok(SearchIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields: schema().1,
            slots: Mutex::new(Arc::new(slots)),
            totals: Arc::default(),
        })
    }

    /// Builds the index from scratch from the cache (`commons reindex`).
    pub fn rebuild(
        dir: &Path,
        store: &Store,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<SearchIndex, SearchError> {
        let fail = |e: &dyn std::fmt::Display| SearchError::Index {
            path: dir.to_path_buf(),
            detail: e.to_string(),
        };
        // Build beside the old index, then swap, so a failed rebuild leaves the old one.
        let building = dir.with_extension("building");
        let _ = std::fs::remove_dir_all(&building);
        std::fs::create_dir_all(&building).map_err(|e| fail(&e))?;
        let want = generation(store)?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(&building, schema).map_err(|e| fail(&e))?;
        let mut slots = FacetSlots::default();
        {
            let mut writer: tantivy::IndexWriter<TantivyDocument> = index
                .writer_with_num_threads(1, 100_000_000)
                .map_err(|e| fail(&e))?;
            let total: u64 = store
                .conn()
                .query_row("SELECT count(*) FROM records", [], |r| r.get::<_, i64>(0))
                .map_err(|e| store.err(e))?
                .unsigned_abs();
            let mut done = 0;
            let mut batch = Vec::with_capacity(BATCH);
            for_each_document(store, None, fields, &mut slots, &mut |doc| {
                batch.push(UserOperation::Add(doc));
                if batch.len() == BATCH {
                    writer
                        .run(std::mem::take(&mut batch))
                        .map_err(|e| fail(&e))?;
                    batch.reserve(BATCH);
                }
                done += 1;
                if done % 5000 == 0 {
                    progress(done, total);
                }
                Ok(())
            })?;
            writer.run(batch).map_err(|e| fail(&e))?;
            slots.save(&building).map_err(|e| fail(&e))?;
            writer.commit().map_err(|e| fail(&e))?;
            writer.wait_merging_threads().map_err(|e| fail(&e))?;
            progress(total, total);
        }
        std::fs::write(building.join("generation"), want.to_string()).map_err(|e| fail(&e))?;
        std::fs::write(building.join("format"), index_format()).map_err(|e| fail(&e))?;
        let _ = std::fs::remove_dir_all(dir);
        std::fs::rename(&building, dir).map_err(|e| fail(&e))?;
        let index = Index::open_in_dir(dir).map_err(|e| fail(&e))?;
        SearchIndex::from_index(dir, index, slots)
    }

    /// The index's one writer, with `heap` bytes for its buffers.
    fn writer(&self, heap: usize) -> Result<tantivy::IndexWriter<TantivyDocument>, SearchError> {
        self.index
            .writer_with_num_threads(1, heap)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(
                    tantivy::directory::error::LockError::LockBusy,
                    _,
                ) => SearchError::Busy {
                    path: self.dir.clone(),
                },
                e => self.err(e),
            })
    }

    /// Re-indexes the given records (added, changed or deleted in the cache since).
    pub fn update(&self, store: &Store, ids: &[String]) -> Result<(), SearchError> {
        let mut writer = self.writer(50_000_000)?;
        for id in ids {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        let mut slots = FacetSlots::clone(&self.slots());
        for chunk in ids.chunks(500) {
            for_each_document(store, Some(chunk), self.fields, &mut slots, &mut |doc| {
                writer.add_document(doc).map_err(|e| self.err(e))?;
                Ok(())
            })?;
        }
        // The table first: a committed document never carries a slot it does not name.
        slots.save(&self.dir).map_err(|e| self.err(e))?;
        writer.commit().map_err(|e| self.err(e))?;
        std::fs::write(self.dir.join("generation"), generation(store)?.to_string())
            .map_err(|e| self.err(e))?;
        *self.slots.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(slots);
        self.reader.reload().map_err(|e| self.err(e))
    }

    /// Starts index writes that follow the cache's writes as they are made (an import, a
    /// sync): see [`Indexing`].
    pub fn indexing(&self, store: &Store) -> Result<Indexing, SearchError> {
        let writer = self.writer(100_000_000)?;
        // A discipline the write adds to the cache comes from the shipped tree.
        let mut parents: std::collections::HashMap<String, Option<String>> =
            crate::disciplines::taxonomy()
                .into_iter()
                .map(|d| (d.id, d.parent))
                .collect();
        parents.extend(crate::disciplines::parents(store.conn()).map_err(|e| store.err(e))?);
        Ok(Indexing {
            dir: self.dir.clone(),
            fields: self.fields,
            writer,
            slots: FacetSlots::clone(&self.slots()),
            buffers: Buffers::default(),
            parents,
            reread: Vec::new(),
            ops: Vec::with_capacity(BATCH),
            failed: None,
        })
    }

    fn slots(&self) -> Arc<FacetSlots> {
        Arc::clone(&self.slots.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs a search and hydrates the page of hits from the cache.
    pub fn search(&self, store: &Store, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let query = self.build_query(req);
        let searcher = self.reader.searcher();
        let limit = req.limit.clamp(1, 100);
        let offset = req.offset.min(10_000);
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let slots = self.slots();
        self.totals.keep_only(&searcher);
        let (addresses, total, facets) = if slots.overflowed() {
            self.search_with_facet_field(&searcher, &query, req.sort, top)?
        } else {
            let ((total, counts), addresses) = match req.sort {
                // Every match is scored anyway: one pass that ranks and counts costs less
                // than two that each find the matches, and with the window drawing on the
                // other core (a student typing) it takes less time too.
                Sort::Relevance if intersects(req) => {
                    let (docs, counted) = side_by_side(
                        &searcher,
                        &query,
                        &(top.order_by_score(), SlotCounts(&self.totals)),
                    )
                    .map_err(|e| self.err(e))?;
                    (counted, addresses(docs))
                }
                // Counting needs no scores, and ranking alone skips whole blocks of
                // postings that cannot reach the page (block-max WAND): ranking beside
                // counting, each over the segments side by side, costs less than one pass
                // that scores every match. (A phrase, with its title boost, is ranked by
                // scoring every match: then ranking is the longer half.)
                Sort::Relevance => std::thread::scope(|scope| {
                    let ranking =
                        scope.spawn(|| side_by_side(&searcher, &query, &top.order_by_score()));
                    let counted = side_by_side(&searcher, &query, &SlotCounts(&self.totals));
                    let docs = ranking
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    Ok::<_, SearchError>((
                        counted.map_err(|e| self.err(e))?,
                        addresses(docs.map_err(|e| self.err(e))?),
                    ))
                })?,
                Sort::Newest | Sort::Oldest => {
                    let order = if req.sort == Sort::Newest {
                        Order::Desc
                    } else {
                        Order::Asc
                    };
                    let (docs, counted) = side_by_side(
                        &searcher,
                        &query,
                        &(
                            top.order_by_fast_field::<i64>("year", order),
                            SlotCounts(&self.totals),
                        ),
                    )
                    .map_err(|e| self.err(e))?;
                    (counted, addresses(docs))
                }
                Sort::Title => {
                    let (docs, counted) = side_by_side(
                        &searcher,
                        &query,
                        &(
                            top.order_by_string_fast_field("title_sort", Order::Asc),
                            SlotCounts(&self.totals),
                        ),
                    )
                    .map_err(|e| self.err(e))?;
                    (counted, addresses(docs))
                }
            };
            let mut facets: Vec<FacetCount> = slots
                .named(&counts)
                .filter(|(g, _, _)| FACET_GROUPS.contains(g))
                .map(|(group, value, count)| FacetCount {
                    group: group.to_owned(),
                    value: value.to_owned(),
                    count,
                })
                .collect();
            let rank = |g: &str| FACET_GROUPS.iter().position(|x| *x == g);
            facets.sort_by(|a, b| (rank(&a.group), &a.value).cmp(&(rank(&b.group), &b.value)));
            (addresses, total, facets)
        };
        let mut ids = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.err(e))?;
            if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_str()) {
                ids.push(id.to_owned());
            }
        }
        Ok(SearchResults {
            total,
            hits: hydrate(store, &ids)?,
            facets,
        })
    }

    /// Counts facets with tantivy's collector over the `facet` field: the path for a
    /// catalogue with more distinct facet values than slots.
    fn search_with_facet_field(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        sort: Sort,
        top: TopDocs,
    ) -> Result<(Vec<DocAddress>, u64, Vec<FacetCount>), SearchError> {
        let mut facets = FacetCollector::for_field("facet");
        for g in FACET_GROUPS {
            facets.add_facet(Facet::from(&format!("/{g}")));
        }
        let (addresses, total, facet_counts) = match sort {
            Sort::Relevance => {
                let (docs, total, f) = searcher
                    .search(query, &(top.order_by_score(), Count, facets))
                    .map_err(|e| self.err(e))?;
                (addresses(docs), total, f)
            }
            Sort::Newest | Sort::Oldest => {
                let order = if sort == Sort::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let (docs, total, f) = searcher
                    .search(
                        query,
                        &(top.order_by_fast_field::<i64>("year", order), Count, facets),
                    )
                    .map_err(|e| self.err(e))?;
                (addresses(docs), total, f)
            }
            Sort::Title => {
                let (docs, total, f) = searcher
                    .search(
                        query,
                        &(
                            top.order_by_string_fast_field("title_sort", Order::Asc),
                            Count,
                            facets,
                        ),
                    )
                    .map_err(|e| self.err(e))?;
                (addresses(docs), total, f)
            }
        };
        let mut facets = Vec::new();
        for g in FACET_GROUPS {
            for (facet, count) in facet_counts.get(&format!("/{g}")) {
                let value = facet
                    .to_path()
                    .get(1)
                    .map(|s| (*s).to_owned())
                    .unwrap_or_default();
                facets.push(FacetCount {
                    group: (*g).to_owned(),
                    value,
                    count,
                });
            }
        }
        Ok((addresses, total as u64, facets))
    }

    fn build_query(&self, req: &SearchRequest) -> Box<dyn Query> {
        let f = self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let field_of = |scope: Scope| match scope {
            Scope::Any => f.all,
            Scope::Title => f.title,
            Scope::Author => f.author,
            Scope::Subject => f.subject,
            Scope::CallNumber => f.call,
        };
        let term = |field: Field, t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, t),
                IndexRecordOption::WithFreqs,
            ))
        };
        let phrase = |field: Field, tokens: &[String]| -> Box<dyn Query> {
            if tokens.len() == 1 {
                return term(field, &tokens[0]);
            }
            let positional = Box::new(PhraseQuery::new(
                tokens
                    .iter()
                    .map(|t| Term::from_field_text(field, t))
                    .collect(),
            ));
            if field != f.all {
                return positional;
            }
            // Every adjacent pair must occur (short posting lists even for the commonest
            // words); two words are then matched exactly, longer phrases are checked
            // word by word in the few records left.
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = tokens
                .windows(2)
                .map(|w| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.pairs, &pair(&w[0], &w[1])),
                            IndexRecordOption::Basic,
                        )),
                    )
                })
                .collect();
            if tokens.len() > 2 {
                clauses.push((Occur::Must, positional));
            }
            Box::new(BooleanQuery::new(clauses))
        };
        // The boost of a phrase found in the title: its adjacent words are pairs of the title
        // (for two words, exactly the phrase; for more, each pair somewhere in the title), so
        // ranking reads one short posting list per pair instead of the title's positions in
        // every record that has the phrase.
        let in_title = |tokens: &[String]| -> Box<dyn Query> {
            if tokens.len() == 1 {
                return term(f.title, &tokens[0]);
            }
            let mut pairs: Vec<(Occur, Box<dyn Query>)> = tokens
                .windows(2)
                .map(|w| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(
                            Term::from_field_text(
                                f.pairs,
                                &format!("{TITLE_PAIR}{}", pair(&w[0], &w[1])),
                            ),
                            IndexRecordOption::Basic,
                        )),
                    )
                })
                .collect();
            if pairs.len() == 1 {
                return pairs
                    .pop()
                    .map_or_else(|| term(f.title, &tokens[0]), |(_, q)| q);
            }
            Box::new(BooleanQuery::new(pairs))
        };
        for clause in parse(&req.query) {
            let q: Box<dyn Query> = match clause {
                Clause::Identifier(id) => Box::new(BooleanQuery::new(vec![
                    (Occur::Should, term(f.ident, &id)),
                    (
                        Occur::Should,
                        phrase(
                            f.all,
                            &normalized(&id)
                                .split(' ')
                                .map(str::to_owned)
                                .collect::<Vec<_>>(),
                        ),
                    ),
                ])),
                Clause::Phrase { scope, tokens } => {
                    let field = field_of(scope);
                    if scope == Scope::Any {
                        Box::new(BooleanQuery::new(vec![
                            (Occur::Must, phrase(field, &tokens)),
                            (
                                Occur::Should,
                                Box::new(BoostQuery::new(in_title(&tokens), 3.0)),
                            ),
                        ]))
                    } else {
                        phrase(field, &tokens)
                    }
                }
                Clause::Words {
                    scope,
                    tokens,
                    prefix,
                    cjk,
                } => {
                    let field = field_of(scope);
                    if cjk {
                        // Bigrams in order: a phrase over the bigram tokens.
                        Box::new(BooleanQuery::new(vec![
                            (Occur::Must, phrase(field, &tokens)),
                            (
                                Occur::Should,
                                Box::new(BoostQuery::new(in_title(&tokens), 3.0)),
                            ),
                        ]))
                    } else {
                        for t in &tokens[..tokens.len() - 1] {
                            must.push((Occur::Must, self.word(field, t, false)));
                        }
                        let last = &tokens[tokens.len() - 1];
                        self.word(field, last, prefix)
                    }
                }
            };
            must.push((Occur::Must, q));
        }
        for filter in &req.filters {
            if let Some((group, value)) = filter.split_once('/')
                && FACET_GROUPS.contains(&group)
                && !value.is_empty()
            {
                let facet = Facet::from_path([group, value]);
                must.push((
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_facet(f.facet, &facet),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
        }
        if must.is_empty() {
            return Box::new(AllQuery);
        }
        if must.iter().all(|(o, _)| *o == Occur::Must) && must.len() == 1 {
            return must
                .pop()
                .map(|(_, q)| q)
                .unwrap_or_else(|| Box::new(AllQuery));
        }
        Box::new(BooleanQuery::new(must))
    }

    /// The longer words of `field` that start with `token`, in any segment: `None` when there
    /// are more than [`MAX_COMPLETIONS`] (or the dictionary cannot be read).
    fn completions(&self, field: Field, token: &str) -> Option<Vec<String>> {
        let mut words = std::collections::BTreeSet::new();
        for segment in self.reader.searcher().segment_readers() {
            let index = segment.inverted_index(field).ok()?;
            let mut terms = index
                .terms()
                .range()
                .ge(token.as_bytes())
                .into_stream()
                .ok()?;
            while terms.advance() {
                let key = terms.key();
                if !key.starts_with(token.as_bytes()) {
                    break;
                }
                if key.len() > token.len() {
                    words.insert(String::from_utf8(key.to_vec()).ok()?);
                    if words.len() > MAX_COMPLETIONS {
                        return None;
                    }
                }
            }
        }
        Some(words.into_iter().collect())
    }

    /// One word: the exact word (boosted in titles), or, while typed, any word starting so.
    fn word(&self, field: Field, token: &str, prefix: bool) -> Box<dyn Query> {
        let f = self.fields;
        let exact: Box<dyn Query> = Box::new(TermQuery::new(
            Term::from_field_text(field, token),
            IndexRecordOption::WithFreqs,
        ));
        let mut options: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, exact)];
        if field == f.all {
            options.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.title, token),
                        IndexRecordOption::WithFreqs,
                    )),
                    3.0,
                )),
            ));
        }
        if prefix {
            let chars = token.chars().count();
            if chars <= 3 && field == f.all {
                // Read with frequencies: tantivy ranks a union of terms by block-max WAND
                // only when every term reads them, and a short prefix matches most of the
                // catalogue (scoring every match cost 10 ms at a million records).
                options.push((
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.prefix, token),
                        IndexRecordOption::WithFreqs,
                    )),
                ));
            } else {
                // Longer words only: the word itself is already matched exactly above.
                match self.completions(field, token) {
                    // Few: each is a term ranked as the finished word will be (the list does
                    // not reshuffle when the word is complete), and a union of terms is
                    // ranked by block-max WAND. None (a finished word): nothing to add.
                    Some(words) => {
                        for word in words {
                            options.push((
                                Occur::Should,
                                Box::new(TermQuery::new(
                                    Term::from_field_text(field, &word),
                                    IndexRecordOption::WithFreqs,
                                )),
                            ));
                            if field == f.all {
                                options.push((
                                    Occur::Should,
                                    Box::new(BoostQuery::new(
                                        Box::new(TermQuery::new(
                                            Term::from_field_text(f.title, &word),
                                            IndexRecordOption::WithFreqs,
                                        )),
                                        3.0,
                                    )),
                                ));
                            }
                        }
                    }
                    // Many: one expression over the term dictionary; its matches all score
                    // alike, those in the title first.
                    None => {
                        let pattern = format!("{}.+", regex_escape(token));
                        if let Ok(q) = RegexQuery::from_pattern(&pattern, field) {
                            options.push((Occur::Should, Box::new(q)));
                        }
                        if field == f.all
                            && let Ok(t) = RegexQuery::from_pattern(&pattern, f.title)
                        {
                            options
                                .push((Occur::Should, Box::new(BoostQuery::new(Box::new(t), 3.0))));
                        }
                    }
                }
            }
        }
        // At least one of the ways must match.
        Box::new(BooleanQuery::new(options))
    }
}

/// Whether the query intersects several clauses (words, or a word and a filter). tantivy
/// then scores every document of the intersection, so finding the matches a second time
/// to count them only costs more; a single clause keeps its own ways to skip (block-max
/// WAND over a word's postings, a phrase's pairs) and is counted on the other core.
/// Threads a search's segments are dealt to. More than the workstation's two cores: a large
/// catalogue's index can have three segments of millions of documents (a rebuilt one at ten
/// million records: three of 3.2 million), which two threads would split two to one, while
/// the system shares two cores evenly between three.
const SEARCH_THREADS: usize = 4;

/// Runs `collector` over the searcher's segments side by side, as one pass over them all
/// would (the fruits are merged in segment order). Segments are of very different sizes
/// (at ten million records, after an import, two of 3.7 million documents and several of half
/// a million or less), so they are dealt largest first to whichever thread has the fewest
/// documents so far, on up to [`SEARCH_THREADS`] threads.
fn side_by_side<C: Collector>(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    collector: &C,
) -> tantivy::Result<C::Fruit> {
    let scoring = if collector.requires_scoring() {
        EnableScoring::enabled_from_searcher(searcher)
    } else {
        EnableScoring::disabled_from_searcher(searcher)
    };
    let weight = query.weight(scoring)?;
    let readers = searcher.segment_readers();
    let mut largest_first: Vec<usize> = (0..readers.len()).collect();
    largest_first.sort_by_key(|&s| std::cmp::Reverse(readers[s].max_doc()));
    let mut shares: Vec<(u64, Vec<usize>)> =
        vec![(0, Vec::new()); SEARCH_THREADS.min(readers.len()).max(1)];
    for s in largest_first {
        if let Some((load, share)) = shares.iter_mut().min_by_key(|(load, _)| *load) {
            *load += u64::from(readers[s].max_doc());
            share.push(s);
        }
    }
    let collect = |share: &[usize]| {
        share
            .iter()
            .map(|&s| {
                let ordinal = u32::try_from(s).unwrap_or(u32::MAX);
                Ok((
                    s,
                    collector.collect_segment(weight.as_ref(), ordinal, &readers[s])?,
                ))
            })
            .collect::<tantivy::Result<Vec<_>>>()
    };
    let (mine, others) = shares
        .split_first()
        .map_or((&[][..], &[][..]), |(first, rest)| {
            (first.1.as_slice(), rest)
        });
    let mut fruits = std::thread::scope(|scope| {
        let theirs: Vec<_> = others
            .iter()
            .map(|(_, share)| scope.spawn(|| collect(share)))
            .collect();
        let mut fruits = collect(mine)?;
        for other in theirs {
            fruits.extend(
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
            );
        }
        Ok::<_, tantivy::TantivyError>(fruits)
    })?;
    fruits.sort_by_key(|(s, _)| *s);
    collector.merge_fruits(fruits.into_iter().map(|(_, f)| f).collect())
}

fn intersects(req: &SearchRequest) -> bool {
    let clauses = parse(&req.query);
    let ways = clauses.len()
        + req.filters.len()
        + match clauses.as_slice() {
            [
                Clause::Words {
                    tokens, cjk: false, ..
                },
            ] => tokens.len() - 1,
            _ => 0,
        };
    ways > 1
}

/// Index writes that follow the cache's writes as they are made (an import, a sync): each
/// record's document is built from the record being written, not read back from the cache,
/// and tantivy indexes it on its own thread while the cache goes on being written. Nothing
/// is visible until [`Indexing::commit`], called once the cache's transaction has committed;
/// dropped without it, the index stays as it was (and the generation check repairs it if the
/// cache did commit).
pub struct Indexing {
    dir: PathBuf,
    fields: Fields,
    writer: tantivy::IndexWriter<TantivyDocument>,
    slots: FacetSlots,
    buffers: Buffers,
    /// The parent of every discipline (`None` at the top).
    parents: std::collections::HashMap<String, Option<String>>,
    /// Records changed otherwise (holdings attached, deleted): read back at the commit.
    reread: Vec<String>,
    /// Operations not yet handed to tantivy's thread: a batch at a time wakes it less.
    ops: Vec<UserOperation<TantivyDocument>>,
    failed: Option<SearchError>,
}

/// Most longer words a typed word is completed to term by term; beyond, one regular
/// expression matches them all.
const MAX_COMPLETIONS: usize = 16;

/// Operations handed to tantivy's indexing thread at a time.
const BATCH: usize = 256;

impl std::fmt::Debug for Indexing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexing").field("dir", &self.dir).finish()
    }
}

impl Indexing {
    fn err(&self, e: impl std::fmt::Display) -> SearchError {
        SearchError::Index {
            path: self.dir.clone(),
            detail: e.to_string(),
        }
    }

    fn push(&mut self, op: UserOperation<TantivyDocument>) {
        self.ops.push(op);
        if self.ops.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.ops.is_empty() || self.failed.is_some() {
            return;
        }
        if let Err(e) = self.writer.run(std::mem::take(&mut self.ops)) {
            self.failed = Some(self.err(e));
        }
        self.ops.reserve(BATCH);
    }

    /// Brings `index` (the one this was started on) up to the cache: the records to read
    /// back, then one commit.
    pub fn commit(mut self, store: &Store, index: &SearchIndex) -> Result<(), SearchError> {
        let mut reread = std::mem::take(&mut self.reread);
        reread.sort_unstable();
        reread.dedup();
        let mut slots = std::mem::take(&mut self.slots);
        for chunk in reread.chunks(500) {
            for_each_document(store, Some(chunk), self.fields, &mut slots, &mut |doc| {
                self.push(UserOperation::Add(doc));
                Ok(())
            })?;
        }
        self.flush();
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        // The table first: a committed document never carries a slot it does not name.
        slots.save(&self.dir).map_err(|e| self.err(e))?;
        self.writer.commit().map_err(|e| self.err(e))?;
        // The merges the commit started finish before the searches see the index: a large
        // import otherwise leaves many small segments behind, each searched on its own.
        let dir = self.dir.clone();
        self.writer
            .wait_merging_threads()
            .map_err(|e| index.err(e))?;
        std::fs::write(dir.join("generation"), generation(store)?.to_string())
            .map_err(|e| index.err(e))?;
        *index.slots.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(slots);
        index.reader.reload().map_err(|e| index.err(e))
    }
}

impl crate::catalogue::Follow for Indexing {
    fn written(
        &mut self,
        id: &str,
        record: &commons_catalogue::CatalogueRecord,
        new: bool,
        disciplines: &[&str],
    ) {
        if self.failed.is_some() {
            return;
        }
        let fields = self.fields;
        if !new {
            self.push(UserOperation::Delete(Term::from_field_text(fields.id, id)));
        }
        let (mut tops, mut subs) = (Vec::new(), Vec::new());
        for d in disciplines {
            match self.parents.get(*d) {
                Some(Some(parent)) => {
                    tops.push(parent.as_str());
                    subs.push(*d);
                }
                _ => tops.push(*d),
            }
        }
        let doc = document(
            fields,
            &mut self.slots,
            &mut self.buffers,
            &Indexed {
                id,
                description: &record.description,
                format: record.format.map_or("other", |f| f.as_str()),
                holdings: record
                    .holdings
                    .iter()
                    .map(|h| (h.library.as_str(), h.status, h.call_number.as_str()))
                    .collect(),
                identifiers: record.description.identifiers(),
                disciplines: tops,
                subdisciplines: subs,
            },
        );
        self.push(UserOperation::Add(doc));
    }

    fn touched(&mut self, id: &str) {
        self.push(UserOperation::Delete(Term::from_field_text(
            self.fields.id,
            id,
        )));
        self.reread.push(id.to_owned());
    }
}

/// Marks a pair of adjacent words of the title in the `pairs` field, where every pair of the
/// whole text is as well (tokens never contain `_`, so no pair of the text starts with it).
pub(super) const TITLE_PAIR: &str = "_";

/// The token for two adjacent words in the `pairs` field (tokens never contain `_`).
fn pair(first: &str, second: &str) -> String {
    let mut out = String::with_capacity(first.len() + second.len() + 1);
    push_pair(&mut out, first, second);
    out
}

/// Appends the word-pair token of `first` then `second` to `out`.
fn push_pair(out: &mut String, first: &str, second: &str) {
    out.push_str(first);
    out.push('_');
    out.push_str(second);
}

/// The addresses of a page of hits, in the order ranked.
fn addresses<K>(docs: Vec<(K, DocAddress)>) -> Vec<DocAddress> {
    docs.into_iter().map(|(_, a)| a).collect()
}

/// Escapes regex syntax (tokens are letters and digits, but be safe).
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !c.is_alphanumeric() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
