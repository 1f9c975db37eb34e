//! Catalogue search: the query language (`query`), text normalisation shared by index and
//! query (`text`), and the tantivy index derived from the cache (`index`).
//!
//! The engine was chosen by measurement (see BENCHMARKS.md): tantivy answers top-k with
//! block-max WAND where SQLite FTS5 scores every match, which costs about a second for a word
//! a third of a million-record catalogue contains.

pub mod index;
pub mod query;
pub use commons_catalogue::text;

pub use index::{
    FacetCount, FieldSpace, Hit, Indexing, SearchError, SearchIndex, SearchRequest, SearchResults,
    Sort,
};
