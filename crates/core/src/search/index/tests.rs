use super::*;
use crate::demo;
use tantivy::collector::DocSetCollector;

struct Fixture {
    dir: tempfile::TempDir,
    store: Store,
    index: SearchIndex,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("commons.db")).unwrap();
    demo::seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
    let (index, rebuilt) =
        SearchIndex::open(&dir.path().join("index"), &store, &mut |_, _| {}).unwrap();
    assert!(rebuilt, "a new index is built");
    Fixture { dir, store, index }
}

impl Fixture {
    fn search(&self, query: &str) -> SearchResults {
        self.search_with(query, &[], Sort::Relevance)
    }
    fn search_with(&self, query: &str, filters: &[&str], sort: Sort) -> SearchResults {
        self.index
            .search(
                &self.store,
                &SearchRequest {
                    query: query.into(),
                    filters: filters.iter().map(|s| s.to_string()).collect(),
                    sort,
                    offset: 0,
                    limit: 20,
                },
            )
            .unwrap_or_else(|e| panic!("{query:?}: {e}"))
    }
    fn one(&self, sql: &str) -> String {
        self.store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Every record as its page shows it (described by its original), by id.
    fn described(&self) -> Vec<crate::catalogue::RecordDetail> {
        let ids: Vec<String> = self
            .store
            .conn()
            .prepare("SELECT id FROM records ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        ids.iter()
            .map(|id| {
                crate::catalogue::detail::record(&self.store, id)
                    .unwrap()
                    .unwrap()
            })
            .collect()
    }
}

#[test]
fn an_exact_title_ranks_first() {
    let f = fixture();
    let title =
        f.one("SELECT title FROM records WHERE language = 'eng' ORDER BY id LIMIT 1 OFFSET 7");
    let r = f.search(&title);
    assert!(r.total > 0);
    assert_eq!(
        r.hits[0].title,
        title,
        "{:?}",
        r.hits.iter().map(|h| &h.title).collect::<Vec<_>>()
    );
}

#[test]
fn every_word_must_match_and_the_last_is_a_prefix() {
    let f = fixture();
    let full = f.search("epistemology");
    assert!(full.total > 0);
    let typed = f.search("epistem");
    assert_eq!(
        typed.total, full.total,
        "a prefix finds the same records while typing"
    );
    let short = f.search("ep");
    assert!(short.total >= full.total);
    let done = f.search("epistem ");
    assert_eq!(done.total, 0, "a finished word is not a prefix");
    let both = f.search("epistemology history");
    assert!(both.total < full.total);
}

#[test]
fn chinese_two_characters_find_records_containing_them() {
    let f = fixture();
    let expected = f
        .described()
        .iter()
        .filter(|r| {
            let d = &r.description;
            d.title.contains("哲学") || d.subjects.iter().any(|s| s.contains("哲学"))
        })
        .count() as i64;
    assert!(expected > 0);
    let r = f.search("哲学");
    assert_eq!(r.total as i64, expected);
    assert!(
        r.hits
            .iter()
            .all(|h| h.title.contains("哲学") || r.total > 0)
    );
}

#[test]
fn isbn_with_or_without_hyphens() {
    let f = fixture();
    let (isbn, id) = f
        .described()
        .into_iter()
        .flat_map(|r| {
            let id = r.id;
            r.description
                .isbns
                .into_iter()
                .map(move |i| (i, id.clone()))
        })
        .min()
        .unwrap();
    let hyphenated = format!(
        "{}-{}-{}-{}",
        &isbn[..3],
        &isbn[3..4],
        &isbn[4..9],
        &isbn[9..]
    );
    for q in [isbn.clone(), hyphenated, format!("isbn:{isbn}")] {
        let r = f.search(&q);
        assert_eq!(
            r.hits.first().map(|h| h.id.as_str()),
            Some(id.as_str()),
            "{q}"
        );
    }
}

#[test]
fn facets_count_every_match_and_filters_narrow() {
    let f = fixture();
    let all = f.search("");
    let records: i64 = f
        .store
        .conn()
        .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .unwrap();
    assert_eq!(all.total as i64, records);
    let formats: u64 = all
        .facets
        .iter()
        .filter(|c| c.group == "format")
        .map(|c| c.count)
        .sum();
    assert_eq!(formats, all.total, "each record has one format");
    let books = all
        .facets
        .iter()
        .find(|c| c.group == "format" && c.value == "book")
        .unwrap()
        .count;
    let filtered = f.search_with("", &["format/book"], Sort::Relevance);
    assert_eq!(filtered.total, books);
    assert!(filtered.hits.iter().all(|h| h.format == "book"));
    let available = f.search_with("", &["available/yes"], Sort::Relevance);
    assert!(available.hits.iter().all(|h| h.available > 0));
    // Unknown filters are ignored, not errors.
    assert_eq!(
        f.search_with("", &["nonsense", "format/"], Sort::Relevance)
            .total,
        all.total
    );
}

#[test]
fn sorting_by_year_and_title() {
    let f = fixture();
    let newest = f.search_with("", &[], Sort::Newest);
    let years: Vec<i64> = newest.hits.iter().filter_map(|h| h.year).collect();
    assert!(years.windows(2).all(|w| w[0] >= w[1]), "{years:?}");
    let oldest = f.search_with("", &[], Sort::Oldest);
    let years: Vec<i64> = oldest.hits.iter().filter_map(|h| h.year).collect();
    assert!(years.windows(2).all(|w| w[0] <= w[1]), "{years:?}");
    let by_title = f.search_with("", &[], Sort::Title);
    let titles: Vec<String> = by_title.hits.iter().map(|h| normalized(&h.title)).collect();
    assert!(titles.windows(2).all(|w| w[0] <= w[1]), "{titles:?}");
}

#[test]
fn the_index_accounts_for_its_bytes_by_field() {
    let f = fixture();
    let fields = f.index.space_by_field().unwrap();
    let of = |name: &str| {
        fields
            .iter()
            .find(|s| s.field == name)
            .unwrap_or_else(|| panic!("{name} in {fields:?}"))
    };
    // The sort title is a column only: titles sort, but no term of it is written.
    let sort = of("title_sort");
    assert!(sort.fast > 0, "{sort:?}");
    assert_eq!(sort.terms + sort.postings + sort.positions, 0, "{sort:?}");
    // The catch-all field has words with positions; pairs have no positions.
    let all = of("all");
    assert!(
        all.terms > 0 && all.postings > 0 && all.positions > 0,
        "{all:?}"
    );
    assert_eq!(of("pairs").positions, 0);
    // Largest first, and the parts add up to what the directory holds (within the files'
    // own headers and footers).
    assert!(fields.windows(2).all(|w| w[0].total() >= w[1].total()));
    let accounted: u64 = fields.iter().map(FieldSpace::total).sum();
    let on_disk: u64 = std::fs::read_dir(f.dir.path().join("index"))
        .unwrap()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    assert!(
        accounted <= on_disk && accounted * 10 >= on_disk * 8,
        "{accounted} of {on_disk}"
    );
}

#[test]
fn whatever_is_typed_is_answered() {
    let f = fixture();
    for q in [
        "\"",
        "\"\"",
        "\"unbalanced",
        "title:",
        "author:\"",
        "((",
        "AND OR NOT",
        "-",
        "*",
        "?",
        "🙂🙂",
        ":::",
        "isbn:",
        "a:b:c:d",
        "\\",
        "[a-z]+",
        ".*",
        "<script>alert(1)</script>",
    ] {
        f.search(q);
    }
    f.search(&"lorem ipsum ".repeat(1000));
}

#[test]
fn a_stale_index_is_rebuilt_on_open() {
    let f = fixture();
    let dir = f.dir.path().join("index");
    let (_, rebuilt) = SearchIndex::open(&dir, &f.store, &mut |_, _| {}).unwrap();
    assert!(!rebuilt, "an index in step with the cache is reused");
    // The cache changed but the index did not hear of it (a crash between the two writes).
    let tx = f.store.write().unwrap();
    tx.execute("DELETE FROM records WHERE id = 'demo-00001'", [])
        .unwrap();
    bump_generation(&tx).unwrap();
    tx.commit().unwrap();
    let (index, rebuilt) = SearchIndex::open(&dir, &f.store, &mut |_, _| {}).unwrap();
    assert!(rebuilt);
    let r = index
        .search(
            &f.store,
            &SearchRequest {
                query: String::new(),
                limit: 5,
                ..Default::default()
            },
        )
        .unwrap();
    let records: i64 = f
        .store
        .conn()
        .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .unwrap();
    assert_eq!(r.total as i64, records);
    // Garbage in the index directory is also repaired.
    std::fs::write(dir.join("meta.json"), b"garbage").unwrap();
    assert!(SearchIndex::open(&dir, &f.store, &mut |_, _| {}).unwrap().1);
}

/// The fast slot counts and tantivy's facet collector must agree on every query and sort,
/// those matching most records (counted by subtraction from the segment's totals) and
/// those matching few.
fn assert_counting_paths_agree(f: &Fixture) {
    let searcher = f.index.reader.searcher();
    let records = searcher.num_docs();
    let mut dense = 0;
    for query in [
        "", "history", "a", "e", "s", "t", "his", "\"the\"", "author:a", "zzzzqx",
    ] {
        if f.search(query).total * 2 > records {
            dense += 1;
        }
        for sort in [Sort::Relevance, Sort::Newest, Sort::Title] {
            let fast = f.search_with(query, &[], sort);
            let q = f.index.build_query(&SearchRequest {
                query: query.into(),
                ..Default::default()
            });
            let (addresses, total, facets) = f
                .index
                .search_with_facet_field(&searcher, q.as_ref(), sort, TopDocs::with_limit(20))
                .unwrap();
            assert_eq!(fast.total, total, "{query:?} {sort:?}");
            assert_eq!(fast.facets, facets, "{query:?} {sort:?}");
            assert_eq!(fast.hits.len(), addresses.len(), "{query:?} {sort:?}");
        }
    }
    assert!(dense >= 2, "only {dense} queries match most of the records");
}

#[test]
fn slot_counts_equal_the_facet_collector() {
    let f = fixture();
    assert!(!f.index.slots().overflowed());
    assert_counting_paths_agree(&f);
    // An incremental update that introduces new facet values grows the table.
    let tx = f.store.write().unwrap();
    // The demo's originals are their union records as sent; the language is read from it.
    tx.execute(
        "UPDATE records SET language = 'xx1', format = 'globe',
             original = CAST(json_set(CAST(original AS TEXT), '$.description.language', 'xx1') AS BLOB)
         WHERE id IN ('demo-00001', 'demo-00002') AND original_packed = 0",
        [],
    )
    .unwrap();
    bump_generation(&tx).unwrap();
    tx.commit().unwrap();
    let before = f.index.slots().named(&[1; WORDS * 64]).count();
    f.index
        .update(&f.store, &["demo-00001".into(), "demo-00002".into()])
        .unwrap();
    assert_eq!(f.index.slots().named(&[1; WORDS * 64]).count(), before + 2);
    let all = f.search("");
    assert!(all.facets.contains(&FacetCount {
        group: "language".into(),
        value: "xx1".into(),
        count: 2
    }));
    assert_counting_paths_agree(&f);
    // The table is saved: reopening uses it without a rebuild.
    let (reopened, rebuilt) =
        SearchIndex::open(&f.dir.path().join("index"), &f.store, &mut |_, _| {}).unwrap();
    assert!(!rebuilt);
    assert_eq!(
        reopened
            .search(&f.store, &SearchRequest::default())
            .unwrap()
            .facets,
        all.facets
    );
}

#[test]
fn a_missing_slot_table_rebuilds_the_index() {
    let f = fixture();
    let dir = f.dir.path().join("index");
    std::fs::remove_file(dir.join("facet-slots.json")).unwrap();
    let (index, rebuilt) = SearchIndex::open(&dir, &f.store, &mut |_, _| {}).unwrap();
    assert!(rebuilt);
    assert_eq!(
        index
            .search(&f.store, &SearchRequest::default())
            .unwrap()
            .facets,
        f.search("").facets
    );
}

#[test]
fn phrases_through_word_pairs_match_exactly_what_positions_match() {
    let f = fixture();
    let searcher = f.index.reader.searcher();
    let mut checked = 0;
    let mut in_titles = 0;
    let mut stmt = f
        .store
        .conn()
        .prepare("SELECT title FROM records ORDER BY id LIMIT 40")
        .unwrap();
    let titles: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for title in titles {
        let words: Vec<String> = normalized(&title).split(' ').map(str::to_owned).collect();
        for n in 2..=4.min(words.len()) {
            for phrase in [
                words[..n].to_vec(),
                words[..n].iter().rev().cloned().collect(),
            ] {
                let positional = PhraseQuery::new(
                    phrase
                        .iter()
                        .map(|w| Term::from_field_text(f.index.fields.all, w))
                        .collect(),
                );
                let expected = searcher.search(&positional, &Count).unwrap() as u64;
                let got = f.search(&format!("\"{}\"", phrase.join(" "))).total;
                assert_eq!(got, expected, "{phrase:?}");
                checked += 1;
                if n == 2 {
                    // The title's pairs, which rank a phrase found in the title, are the
                    // records whose title has the two words next to each other.
                    let in_title = PhraseQuery::new(
                        phrase
                            .iter()
                            .map(|w| Term::from_field_text(f.index.fields.title, w))
                            .collect(),
                    );
                    let title_pair = TermQuery::new(
                        Term::from_field_text(
                            f.index.fields.pairs,
                            &format!("{TITLE_PAIR}{}", pair(&phrase[0], &phrase[1])),
                        ),
                        IndexRecordOption::Basic,
                    );
                    let by_pair = searcher.search(&title_pair, &DocSetCollector).unwrap();
                    assert_eq!(
                        by_pair,
                        searcher.search(&in_title, &DocSetCollector).unwrap(),
                        "{phrase:?} in the title"
                    );
                    in_titles += by_pair.len();
                }
            }
        }
    }
    assert!(checked > 60, "{checked}");
    assert!(in_titles >= 40, "{in_titles} phrases found in titles");
}

#[test]
fn sub_disciplines_filter_exactly_and_an_older_format_is_rebuilt() {
    let f = fixture();
    let expected: i64 = f
        .store
        .conn()
        .query_row(
            "SELECT count(DISTINCT record_id) FROM record_disciplines WHERE discipline_id = 'statistics'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(expected > 0);
    let r = f.search_with("", &["subdiscipline/statistics"], Sort::Relevance);
    assert_eq!(r.total as i64, expected);
    assert!(
        f.search("")
            .facets
            .iter()
            .any(|c| c.group == "subdiscipline" && c.value == "statistics")
    );
    let dir = f.dir.path().join("index");
    std::fs::write(dir.join("format"), "1").unwrap();
    assert!(
        SearchIndex::open(&dir, &f.store, &mut |_, _| {}).unwrap().1,
        "an index of an older format is rebuilt"
    );
}

/// Every (field, term) with the number of live documents holding it: two indexes with the
/// same fingerprint hold the same postings.
fn fingerprint(index: &SearchIndex) -> std::collections::BTreeMap<(u32, Vec<u8>), u32> {
    use tantivy::DocSet;
    let mut out = std::collections::BTreeMap::new();
    let searcher = index.reader.searcher();
    let (schema, _) = schema();
    for segment in searcher.segment_readers() {
        for (field, entry) in schema.fields() {
            if !entry.is_indexed() {
                continue;
            }
            let inverted = segment.inverted_index(field).unwrap();
            let mut terms = inverted.terms().stream().unwrap();
            while terms.advance() {
                let mut postings = inverted
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
                    .unwrap();
                let mut alive = 0;
                while postings.doc() != tantivy::TERMINATED {
                    alive += u32::from(!segment.is_deleted(postings.doc()));
                    postings.advance();
                }
                if alive > 0 {
                    *out.entry((field.field_id(), terms.key().to_vec()))
                        .or_default() += alive;
                }
            }
        }
    }
    out
}

/// A MARC 21 record in ISO 2709 with a title, author, ISBN, LCC number and holdings.
fn marc21(control: &str, title: &str, lcc: &str, library: &str) -> Vec<u8> {
    use commons_catalogue::marc::{Field, Record, iso2709};
    let data = |tag: &str, subfields: Vec<(char, &str)>| Field::Data {
        tag: tag.into(),
        ind1: ' ',
        ind2: ' ',
        subfields: subfields
            .into_iter()
            .map(|(c, v)| (c, v.to_owned()))
            .collect(),
    };
    iso2709::write(&Record {
        leader: "00000nam a2200000 a 4500".into(),
        fields: vec![
            Field::Control {
                tag: "001".into(),
                value: control.into(),
            },
            Field::Control {
                tag: "008".into(),
                value: "000101s1999    xx            000 0 eng d".into(),
            },
            data("020", vec![('a', "9780306406157")]),
            data("050", vec![('a', lcc)]),
            data("100", vec![('a', "Okafor, Ngozi")]),
            data("245", vec![('a', title)]),
            data("852", vec![('a', library), ('h', lcc)]),
        ],
    })
}

#[test]
fn an_index_written_with_an_import_equals_one_rebuilt_from_the_cache() {
    let f = fixture();
    let cnmarc: &[u8] = include_bytes!("../../../../../assets/demo/shanghai.cnmarc");
    // The demo's Chinese records again with letters of their data changed (updated
    // records), then new records with holdings and disciplines.
    let mut file = Vec::new();
    for record in cnmarc.split_inclusive(|b| *b == 0x1d) {
        let base: usize = std::str::from_utf8(&record[12..17])
            .unwrap()
            .parse()
            .unwrap();
        file.extend(record.iter().enumerate().map(|(i, b)| {
            // Letters of the data, never a subfield code.
            if i > base && *b == b'a' && record[i - 1] != 0x1f {
                b'e'
            } else {
                *b
            }
        }));
    }
    for n in 0..40 {
        file.extend(marc21(
            &format!("t{n}"),
            &format!("Tidal energy and the sea volume {n}"),
            ["QC 176", "TK 1081", "HB 171", "PL 1171"][n % 4],
            ["central", "north", "east"][n % 3],
        ));
    }
    let mut indexing = f.index.indexing(&f.store).unwrap();
    let report = crate::catalogue::import_bytes(
        &f.store,
        Path::new("t.mrc"),
        &file,
        &mut |_| {},
        &mut indexing,
    )
    .unwrap();
    assert_eq!(report.imported, 40, "{:?}", report.rejected);
    assert!(report.updated > 0, "{report:?}");
    indexing.commit(&f.store, &f.index).unwrap();
    assert_eq!(f.search("tidal energy").total, 40);

    let rebuilt =
        SearchIndex::rebuild(&f.dir.path().join("rebuilt"), &f.store, &mut |_, _| {}).unwrap();
    let (written, expected) = (fingerprint(&f.index), fingerprint(&rebuilt));
    assert!(expected.len() > 1000, "{}", expected.len());
    let differ: Vec<_> = expected
        .iter()
        .filter(|(k, v)| written.get(*k) != Some(*v))
        .map(|((field, term), n)| (field, String::from_utf8_lossy(term).into_owned(), n))
        .take(10)
        .collect();
    assert!(differ.is_empty(), "{differ:?}");
    assert_eq!(written.len(), expected.len());
    for q in ["", "tidal", "sea vol", "上海", "author:okafor"] {
        let req = SearchRequest {
            query: q.into(),
            limit: 20,
            ..SearchRequest::default()
        };
        assert_eq!(
            f.index.search(&f.store, &req).unwrap(),
            rebuilt.search(&f.store, &req).unwrap(),
            "{q:?}"
        );
    }
}

#[test]
fn one_pass_or_two_the_page_and_counts_are_the_same() {
    let f = fixture();
    let request = |query: &str, filters: &[&str]| SearchRequest {
        query: query.into(),
        filters: filters.iter().map(|s| s.to_string()).collect(),
        limit: 20,
        ..Default::default()
    };
    // One clause: ranked (skipping what cannot reach the page) and counted apart.
    for query in [
        "history",
        "history ",
        "h",
        "\"the history\"",
        "哲学",
        "",
        "title:his",
    ] {
        assert!(!intersects(&request(query, &[])), "{query:?}");
    }
    // Several: ranked and counted in one pass over the intersection.
    for query in [
        "history of",
        "the h",
        "isbn:not-a-number",
        "author:a history",
    ] {
        assert!(intersects(&request(query, &[])), "{query:?}");
    }
    assert!(intersects(&request("history", &["format/book"])));
    assert!(intersects(&request(
        "",
        &["format/book", "library/central"]
    )));
    let searcher = f.index.reader.searcher();
    for (query, filters) in [
        ("history", &[][..]),
        ("h", &[]),
        ("histor", &[]),
        ("history of", &[]),
        ("the h", &[]),
        ("history", &["format/book"]),
        ("e", &["available/yes"]),
    ] {
        let req = request(query, filters);
        let page = f.index.search(&f.store, &req).unwrap();
        let q = f.index.build_query(&req);
        let (top, (total, _)) = searcher
            .search(
                q.as_ref(),
                &(
                    TopDocs::with_limit(20).order_by_score(),
                    SlotCounts(&Arc::default()),
                ),
            )
            .unwrap();
        let ids: Vec<String> = top
            .into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address).unwrap();
                doc.get_first(f.index.fields.id)
                    .and_then(|v| v.as_str())
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert!(total > 0, "{query:?} {filters:?}");
        assert_eq!(page.total, total, "{query:?} {filters:?}");
        assert_eq!(
            page.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
            ids,
            "{query:?} {filters:?}"
        );
    }
}

#[test]
fn a_typed_word_finds_what_an_expression_over_longer_words_finds() {
    let f = fixture();
    // Thirty longer words of one beginning ("quokka…"), more than are completed term by term.
    let mut file = Vec::new();
    for n in 0..30 {
        let word = format!("quokka{}", char::from(b'a' + (n % 26) as u8)).repeat(1 + n / 26);
        file.extend(marc21(
            &format!("q{n}"),
            &format!("Marsupial {word} notes"),
            "QL 737",
            "central",
        ));
    }
    let mut indexing = f.index.indexing(&f.store).unwrap();
    crate::catalogue::import_bytes(
        &f.store,
        Path::new("q.mrc"),
        &file,
        &mut |_| {},
        &mut indexing,
    )
    .unwrap();
    indexing.commit(&f.store, &f.index).unwrap();
    let searcher = f.index.reader.searcher();
    let all = f.index.fields.all;
    assert!(
        f.index.completions(all, "quok").is_none(),
        "more than the limit"
    );
    assert_eq!(
        f.index.completions(all, "quokkaa").map(|w| w.len()),
        Some(1)
    );
    assert_eq!(f.index.completions(all, "epistemology"), Some(vec![]));
    for prefix in [
        "quok",
        "quokkab",
        "quokkaa",
        "epis",
        "hist",
        "phil",
        "inte",
        "stud",
        "intr",
        "prin",
        "epistemology",
        "trans",
    ] {
        let regex = RegexQuery::from_pattern(&format!("{prefix}.*"), all).unwrap();
        let expected = searcher.search(&regex, &Count).unwrap();
        assert!(expected > 0, "{prefix}");
        assert_eq!(f.search(prefix).total, expected as u64, "{prefix}");
    }
    assert_eq!(f.search("quok").total, 30);
    // Completed term by term, a word being typed ranks as the finished word does: the list
    // does not reshuffle on the last letter.
    assert_eq!(
        f.index.completions(all, "epistem"),
        Some(vec!["epistemology".to_owned()])
    );
    let ids = |r: SearchResults| r.hits.into_iter().map(|h| h.id).collect::<Vec<_>>();
    let finished = ids(f.search("epistemology"));
    assert!(finished.len() > 1);
    assert_eq!(ids(f.search("epistem")), finished);
}

#[test]
fn segments_searched_side_by_side_give_what_one_pass_gives() {
    let f = fixture();
    // Records indexed again land in new segments of their own, of different sizes.
    for ids in [
        &["demo-00003"][..],
        &["demo-00004", "demo-00005", "demo-00006"],
    ] {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        f.index.update(&f.store, &ids).unwrap();
    }
    let searcher = f.index.reader.searcher();
    assert!(
        searcher.segment_readers().len() >= 2,
        "{} segments",
        searcher.segment_readers().len()
    );
    let title = f.one(
        "SELECT title FROM records WHERE language = 'eng' AND title LIKE '% % %' ORDER BY id LIMIT 1",
    );
    let phrase = format!(
        "\"{}\"",
        title.split(' ').take(2).collect::<Vec<_>>().join(" ")
    );
    for query in ["", "history", "h", "history of", "the h", &phrase] {
        let q = f.index.build_query(&SearchRequest {
            query: query.into(),
            ..Default::default()
        });
        let collector = (
            TopDocs::with_limit(20).order_by_score(),
            SlotCounts(&Arc::default()),
        );
        let one = searcher.search(q.as_ref(), &collector).unwrap();
        let two = side_by_side(&searcher, q.as_ref(), &collector).unwrap();
        assert!(one.1.0 > 0, "{query:?}");
        assert_eq!(one.1, two.1, "{query:?}: the counts");
        assert_eq!(one.0, two.0, "{query:?}: the page, its order and scores");
        let by_year = (
            TopDocs::with_limit(20).order_by_fast_field::<i64>("year", Order::Desc),
            SlotCounts(&Arc::default()),
        );
        assert_eq!(
            searcher.search(q.as_ref(), &by_year).unwrap(),
            side_by_side(&searcher, q.as_ref(), &by_year).unwrap(),
            "{query:?}: newest first"
        );
    }
}
