//! The page-level full-text index of documents: one tantivy document per page, derived from
//! the cache's `document_pages` and rebuilt from it whenever their counts disagree. Searched
//! with the catalogue's query language (words, "phrases", the last word as a prefix, CJK
//! bigrams); hits come with a snippet whose matched words are marked.

use std::path::{Path, PathBuf};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::search::query::{Clause, parse};
use crate::search::text::normalized;
use crate::store::{Store, StoreError};

/// Why the page index could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PageIndexError {
    #[error("the document index at {path} cannot be used: {detail}")]
    Index { path: PathBuf, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PageIndexError {
    pub fn code(&self) -> &'static str {
        match self {
            PageIndexError::Index { .. } => "search_index",
            PageIndexError::Store(e) => e.code(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    sha: Field,
    page: Field,
    text: Field,
    raw: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        sha: b.add_text_field("sha", STRING | STORED),
        page: b.add_u64_field("page", STORED | INDEXED | FAST),
        text: b.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("whitespace")
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        ),
        raw: b.add_text_field("raw", STORED),
    };
    (b.build(), fields)
}

/// A piece of a snippet; `hit` marks matched words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// One page that matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageHit {
    pub sha256: String,
    pub title: String,
    pub page: u64,
    pub snippet: Vec<Piece>,
}

/// The open page index.
pub struct PageIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl std::fmt::Debug for PageIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageIndex").field("dir", &self.dir).finish()
    }
}

fn stored_pages(store: &Store) -> Result<u64, StoreError> {
    store
        .conn()
        .query_row("SELECT count(*) FROM document_pages", [], |r| {
            r.get::<_, i64>(0)
        })
        .map(i64::unsigned_abs)
        .map_err(|e| store.err(e))
}

impl PageIndex {
    fn err(dir: &Path, e: impl std::fmt::Display) -> PageIndexError {
        PageIndexError::Index {
            path: dir.to_path_buf(),
            detail: e.to_string(),
        }
    }

    /// Opens the index, rebuilding it from the cache when missing, damaged or out of step.
    pub fn open(dir: &Path, store: &Store) -> Result<PageIndex, PageIndexError> {
        let want = stored_pages(store)?;
        if let Ok(index) = Index::open_in_dir(dir)
            && index.schema() == schema().0
            && std::fs::read_to_string(dir.join("folding")).ok().as_deref()
                == Some(commons_catalogue::text::FOLDING)
            && let Ok(pi) = PageIndex::from_index(dir, index)
            && pi.reader.searcher().num_docs() == want
        {
            return Ok(pi);
        }
        PageIndex::rebuild(dir, store)
    }

    fn from_index(dir: &Path, index: Index) -> Result<PageIndex, PageIndexError> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e: tantivy::TantivyError| PageIndex::err(dir, e))?;
        Ok(PageIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields: schema().1,
        })
    }

    /// Builds the index from every stored page.
    pub fn rebuild(dir: &Path, store: &Store) -> Result<PageIndex, PageIndexError> {
        let fail = |e: &dyn std::fmt::Display| PageIndex::err(dir, e);
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(dir, schema).map_err(|e| fail(&e))?;
        {
            let mut writer: tantivy::IndexWriter<TantivyDocument> = index
                .writer_with_num_threads(1, 50_000_000)
                .map_err(|e| fail(&e))?;
            let conn = store.conn();
            let mut stmt = conn
                .prepare("SELECT sha256, page, text FROM document_pages ORDER BY sha256, page")
                .map_err(|e| store.err(e))?;
            let mut rows = stmt.query([]).map_err(|e| store.err(e))?;
            while let Some(row) = rows.next().map_err(|e| store.err(e))? {
                let sha: String = row.get(0).map_err(|e| store.err(e))?;
                let page: i64 = row.get(1).map_err(|e| store.err(e))?;
                let text: String = row.get(2).map_err(|e| store.err(e))?;
                writer
                    .add_document(page_doc(fields, &sha, page.unsigned_abs(), &text))
                    .map_err(|e| fail(&e))?;
            }
            writer.commit().map_err(|e| fail(&e))?;
        }
        std::fs::write(dir.join("folding"), commons_catalogue::text::FOLDING)
            .map_err(|e| fail(&e))?;
        PageIndex::from_index(dir, index)
    }

    /// Replaces the pages of one document.
    pub fn set_document(&self, sha: &str, pages: &[String]) -> Result<(), PageIndexError> {
        let fail = |e: &dyn std::fmt::Display| PageIndex::err(&self.dir, e);
        let mut writer: tantivy::IndexWriter<TantivyDocument> = self
            .index
            .writer_with_num_threads(1, 15_000_000)
            .map_err(|e| fail(&e))?;
        writer.delete_term(Term::from_field_text(self.fields.sha, sha));
        for (i, text) in pages.iter().enumerate() {
            writer
                .add_document(page_doc(self.fields, sha, i as u64 + 1, text))
                .map_err(|e| fail(&e))?;
        }
        writer.commit().map_err(|e| fail(&e))?;
        self.reader.reload().map_err(|e| fail(&e))
    }

    /// Pages matching `query`, best first, with snippets and document titles.
    pub fn search(
        &self,
        store: &Store,
        query: &str,
        limit: usize,
    ) -> Result<Vec<PageHit>, PageIndexError> {
        let f = self.fields;
        let clauses = parse(query);
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut words: Vec<String> = Vec::new();
        let term = |t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(f.text, t),
                IndexRecordOption::WithFreqs,
            ))
        };
        let phrase = |tokens: &[String]| -> Box<dyn Query> {
            if tokens.len() == 1 {
                term(&tokens[0])
            } else {
                Box::new(PhraseQuery::new(
                    tokens
                        .iter()
                        .map(|t| Term::from_field_text(f.text, t))
                        .collect(),
                ))
            }
        };
        for clause in clauses {
            match clause {
                Clause::Words {
                    tokens,
                    prefix,
                    cjk,
                    ..
                } => {
                    words.extend(tokens.iter().cloned());
                    if cjk {
                        must.push((Occur::Must, phrase(&tokens)));
                        continue;
                    }
                    let last = tokens.len() - 1;
                    for (i, t) in tokens.iter().enumerate() {
                        let q = if i == last && prefix && t.chars().count() >= 2 {
                            let pattern = format!("{}.*", regex_escape(t));
                            match RegexQuery::from_pattern(&pattern, f.text) {
                                Ok(r) => Box::new(BooleanQuery::new(vec![
                                    (Occur::Should, term(t)),
                                    (Occur::Should, Box::new(r)),
                                ])),
                                Err(_) => term(t),
                            }
                        } else {
                            term(t)
                        };
                        must.push((Occur::Must, q));
                    }
                }
                Clause::Phrase { tokens, .. } => {
                    words.extend(tokens.iter().cloned());
                    must.push((Occur::Must, phrase(&tokens)));
                }
                Clause::Identifier(id) => {
                    let tokens: Vec<String> =
                        normalized(&id).split(' ').map(str::to_owned).collect();
                    words.extend(tokens.iter().cloned());
                    must.push((Occur::Must, phrase(&tokens)));
                }
            }
        }
        if must.is_empty() {
            return Ok(Vec::new());
        }
        let query = BooleanQuery::new(must);
        let searcher = self.reader.searcher();
        let top = searcher
            .search(
                &query,
                &TopDocs::with_limit(limit.clamp(1, 200)).order_by_score(),
            )
            .map_err(|e| PageIndex::err(&self.dir, e))?;
        let mut hits = Vec::with_capacity(top.len());
        let mut title_of = store
            .conn()
            .prepare_cached("SELECT title FROM documents WHERE sha256 = ?1")
            .map_err(|e| store.err(e))?;
        for (_, address) in top {
            let doc: TantivyDocument = searcher
                .doc(address)
                .map_err(|e| PageIndex::err(&self.dir, e))?;
            let sha = doc
                .get_first(f.sha)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned();
            let page = doc.get_first(f.page).and_then(|v| v.as_u64()).unwrap_or(1);
            let raw = doc
                .get_first(f.raw)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let title: Option<String> = title_of.query_row([&sha], |r| r.get(0)).ok();
            // A document removed since the index was read is skipped.
            let Some(title) = title else { continue };
            hits.push(PageHit {
                snippet: snippet(raw, &words, 90),
                sha256: sha,
                title,
                page,
            });
        }
        Ok(hits)
    }
}

fn page_doc(f: Fields, sha: &str, page: u64, text: &str) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.sha, sha);
    doc.add_u64(f.page, page);
    doc.add_text(f.text, normalized(text));
    doc.add_text(f.raw, text);
    doc
}

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

/// A window of `text` around the first matched word, with every matched word marked. Words
/// are compared as the index compares them (folded case and diacritics).
pub fn snippet(text: &str, words: &[String], radius: usize) -> Vec<Piece> {
    // Split into words and the separators between them, keeping every character.
    let mut tokens: Vec<(String, bool)> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let word_char = c.is_alphanumeric();
        if current.is_empty()
            || current.chars().last().is_some_and(|p| p.is_alphanumeric()) == word_char
        {
            current.push(c);
        } else {
            tokens.push((std::mem::take(&mut current), false));
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push((current, false));
    }
    let mut first: Option<usize> = None;
    for (i, (t, hit)) in tokens.iter_mut().enumerate() {
        if t.chars().next().is_some_and(char::is_alphanumeric) {
            let n = normalized(t);
            if words.iter().any(|w| {
                n == *w
                    || (w.chars().count() >= 2 && n.starts_with(w.as_str()))
                    || (!n.is_empty() && n.split(' ').any(|part| part == w))
            }) {
                *hit = true;
                first.get_or_insert(i);
            }
        }
    }
    // Characters before and after the first hit, whole tokens only.
    let start_token = first.unwrap_or(0);
    let mut from = start_token;
    let mut budget = radius;
    while from > 0 && budget >= tokens[from - 1].0.chars().count() {
        budget -= tokens[from - 1].0.chars().count();
        from -= 1;
    }
    let mut to = start_token;
    let mut budget = radius * 2;
    while to < tokens.len() && budget >= tokens[to].0.chars().count() {
        budget -= tokens[to].0.chars().count();
        to += 1;
    }
    let mut pieces: Vec<Piece> = Vec::new();
    if from > 0 {
        pieces.push(Piece {
            text: "… ".into(),
            hit: false,
        });
    }
    for (t, hit) in &tokens[from..to.max(from)] {
        match pieces.last_mut() {
            Some(last) if last.hit == *hit && !hit => last.text.push_str(t),
            _ => pieces.push(Piece {
                text: t.clone(),
                hit: *hit,
            }),
        }
    }
    if to < tokens.len() {
        pieces.push(Piece {
            text: " …".into(),
            hit: false,
        });
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_the_matched_words_around_the_first() {
        let text = "Keep three copies on two kinds of media. Workstation disks are wiped at logout; save your work to university storage.";
        let s = snippet(text, &["workstation".into()], 20);
        let marked: Vec<&str> = s
            .iter()
            .filter(|p| p.hit)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, vec!["Workstation"]);
        assert!(s.first().unwrap().text.starts_with('…'));
        let joined: String = s.iter().map(|p| p.text.as_str()).collect();
        assert!(joined.contains("Workstation disks"), "{joined}");
        // Case and diacritics do not matter; prefixes of two letters or more match.
        let s = snippet("Café crème and CAFE noir", &["cafe".into()], 40);
        assert_eq!(s.iter().filter(|p| p.hit).count(), 2);
        // No match: the start of the page.
        let s = snippet("nothing to see here", &["zebra".into()], 5);
        assert!(s.iter().all(|p| !p.hit));
        assert!(snippet("", &["x".into()], 5).is_empty());
    }
}

#[cfg(test)]
mod demo_tests {
    use super::*;
    use crate::documents::extract::{Outcome, extract_in_process};

    #[test]
    fn every_hit_of_every_prefix_typed_marks_a_word() {
        let bytes =
            include_bytes!("../../../../assets/demo/documents/reference-desk-questions.pdf");
        let Outcome::Pages(pages) = extract_in_process(bytes) else {
            panic!("demo document unreadable")
        };
        let temp = tempfile::tempdir().unwrap();
        let store = Store::open(&temp.path().join("commons.db")).unwrap();
        let sha = format!("{:064x}", 1);
        {
            let tx = store.write().unwrap();
            tx.execute(
                "INSERT INTO documents(sha256, title, file_name, bytes, pages, added_at) VALUES (?1, 'Demo', 'x.pdf', 1, 6, 'now')",
                [&sha],
            )
            .unwrap();
            tx.commit().unwrap();
        }
        let index = PageIndex::open(&temp.path().join("index"), &store).unwrap();
        index.set_document(&sha, &pages).unwrap();
        let typed = "\"data librarian\"";
        for end in 1..=typed.len() {
            let q = &typed[..end];
            for hit in index.search(&store, q, 50).unwrap() {
                assert!(
                    hit.snippet.iter().any(|p| p.hit),
                    "{q:?} page {} {:?}",
                    hit.page,
                    hit.snippet
                );
            }
        }
    }
}
