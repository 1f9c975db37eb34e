//! Every file of the shared test corpus (MARC, OAI-PMH, SRU) through the importer: nothing
//! panics, every record is imported or rejected with a reason, and known files give what
//! they hold.

use std::path::{Path, PathBuf};

use commons_core::Store;
use commons_core::catalogue::import_file;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: the shared corpus is not at {}", dir.display());
        None
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn every_corpus_file_is_imported_or_explained() {
    let Some(corpus) = corpus() else { return };
    let mut total = (0, 0, 0);
    // Records with at least one discipline, and with each kind of classification number.
    let (mut classified, mut unclassified) = (0, 0);
    let mut with = [0i64; 3];
    let mut lines = Vec::new();
    for sub in ["marc", "oai", "sru"] {
        for path in files(&corpus.join(sub)) {
            let store = Store::open_in_memory().unwrap();
            let report = import_file(&store, &path, &mut |_| {}, &mut ()).unwrap();
            for r in &report.rejected {
                assert!(
                    !r.reason.trim().is_empty(),
                    "{}: empty reason",
                    path.display()
                );
                assert_eq!(r.file, path);
            }
            let stored: usize = store
                .conn()
                .query_row("SELECT count(*) FROM records", [], |r| r.get::<_, i64>(0))
                .unwrap() as usize;
            assert_eq!(
                stored,
                report.imported,
                "{}: the cache holds what the report says",
                path.display()
            );
            assert!(
                report.imported + report.rejected.len() + report.deleted > 0 || report.read == 0,
                "{}: {report:?}",
                path.display()
            );
            // Every record's original reads back as its source sent it: for ISO 2709, one of
            // the file's records byte for byte.
            let data = std::fs::read(&path).unwrap();
            let raw: Vec<&[u8]> = commons_core::catalogue::marc::iso2709::split(&data)
                .map(|r| r.bytes)
                .collect();
            let ids: Vec<String> = store
                .conn()
                .prepare("SELECT id FROM records")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for id in &ids {
                let original = commons_core::catalogue::originals::original(store.conn(), id)
                    .unwrap()
                    .unwrap_or_else(|| panic!("{}: {id} has no original", path.display()));
                if original.format == "marc21" {
                    assert!(
                        raw.contains(&original.body.as_slice()),
                        "{}: the original of {id} is not one of the file's records",
                        path.display()
                    );
                }
            }
            // Importing the same file again changes nothing.
            let again = import_file(&store, &path, &mut |_| {}, &mut ()).unwrap();
            assert_eq!(
                again.imported + again.updated,
                0,
                "{}: {again:?}",
                path.display()
            );
            let assigned: i64 = store
                .conn()
                .query_row(
                    "SELECT count(DISTINCT record_id) FROM record_disciplines",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                report.imported - assigned as usize,
                report.unclassified,
                "{}: every record is either assigned or counted as unclassified",
                path.display()
            );
            classified += assigned as usize;
            unclassified += report.unclassified;
            for r in described(&store) {
                let d = &r.description;
                for (n, class) in [&d.lcc, &d.ddc, &d.clc].iter().enumerate() {
                    with[n] += i64::from(class.is_some());
                }
            }
            total.0 += report.imported;
            total.1 += report.rejected.len();
            total.2 += report.warnings.len();
            lines.push(format!(
                "{:<55} read {:>4} imported {:>4} rejected {:>3} warnings {:>3}{}",
                path.file_name().unwrap().to_string_lossy(),
                report.read,
                report.imported,
                report.rejected.len(),
                report.warnings.len(),
                report
                    .rejected
                    .first()
                    .map(|r| format!("  first: {} {}", r.position, r.reason))
                    .unwrap_or_default()
            ));
        }
    }
    eprintln!("{}", lines.join("\n"));
    eprintln!(
        "corpus: {} records imported, {} rejected, {} warnings",
        total.0, total.1, total.2
    );
    eprintln!(
        "disciplines: {classified} of {} records assigned ({:.1}%), {unclassified} unassigned; \
         records with an LCC number {}, DDC {}, CLC {}",
        total.0,
        100.0 * classified as f64 / total.0.max(1) as f64,
        with[0],
        with[1],
        with[2]
    );
    assert!(total.0 > 100, "most corpus records import");
    assert!(
        classified > 0,
        "classification assigns corpus records to disciplines"
    );
}

fn import_one(name: &str) -> Option<(Store, commons_core::catalogue::ImportReport)> {
    let corpus = corpus()?;
    let path = corpus.join(name);
    let store = Store::open_in_memory().unwrap();
    let report = import_file(&store, &path, &mut |_| {}, &mut ()).unwrap();
    Some((store, report))
}

fn one(store: &Store, sql: &str) -> String {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_marc8_record_becomes_unicode() {
    let Some((store, report)) = import_one("marc/marc4j-chabon.mrc") else {
        return;
    };
    assert_eq!(report.imported, 2, "{report:?}");
    let title = one(
        &store,
        "SELECT title FROM records WHERE title LIKE 'The amazing%'",
    );
    assert_eq!(title, "The amazing adventures of Kavalier and Clay");
    let authors = one(
        &store,
        "SELECT authors FROM records WHERE title LIKE 'The amazing%'",
    );
    assert!(authors.contains("Chabon, Michael"), "{authors}");
}

#[test]
fn union_catalogue_holdings_from_924() {
    let Some((store, report)) = import_one("sru/crosslink-gvi_sru_response.xml") else {
        return;
    };
    assert_eq!(report.imported, 1, "{report:?}");
    let holdings: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM holdings", [], |r| r.get(0))
        .unwrap();
    assert!(holdings > 1, "one 924 per member library");
    let isbns = described(&store).remove(0).description.isbns;
    assert_eq!(isbns.first().map(String::as_str), Some("9783428585014"));
}

#[test]
fn bad_records_are_rejected_and_good_ones_kept() {
    let Some((_, report)) = import_one("marc/pymarc-bad_records.mrc") else {
        return;
    };
    assert!(!report.rejected.is_empty(), "{report:?}");
    assert!(
        report.imported > 0 || report.read == report.rejected.len(),
        "{report:?}"
    );
    let Some((_, report)) = import_one("marc/marc4j-marc-json.json") else {
        return;
    };
    assert_eq!(report.imported, 0);
    assert!(
        report.rejected[0].reason.contains("not valid JSON"),
        "{report:?}"
    );
}

#[test]
fn oai_pmh_dublin_core_and_marcxml() {
    // One deleted record, one in a metadata format Commons does not read.
    let Some((_, report)) = import_one("oai/vufindharvest-list_records_response.xml") else {
        return;
    };
    assert_eq!(report.imported, 0, "{report:?}");
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    assert!(
        report.rejected[0].reason.contains("fake:foo2"),
        "{report:?}"
    );
    let Some((_, report)) = import_one("oai/vufindharvest-oai_doaj.xml") else {
        return;
    };
    assert!(
        report
            .rejected
            .iter()
            .all(|r| r.reason.contains("doajArticle")),
        "{report:?}"
    );
}

/// Every UNIMARC file of the corpus: imported (none was before: their titles are in 200,
/// not 245), with title, first author, ISBN, language and subjects as expected; the record
/// with a leader one character short is read the same.
#[test]
fn unimarc_records_are_read() {
    type Expected = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    );
    let table: [Expected; 3] = [
        (
            "marc/pymarc-testunimarc.dat",
            "L'altra faccia della spirale",
            "Asimov, Isaac",
            "9788804406822",
            "ita",
            "[]",
        ),
        (
            "marc/marc4j-unimarc_record.xml",
            "Le Spleen de Paris",
            "Baudelaire, Charles",
            "",
            "fre",
            r#"["Poésie française -- 19e siècle"]"#,
        ),
        (
            "marc/marc4j-unimarc_record_short_leader.xml",
            "Le Spleen de Paris",
            "Baudelaire, Charles",
            "",
            "fre",
            "",
        ),
    ];
    for (file, title, author, isbn, language, subjects) in table {
        let Some((store, report)) = import_one(file) else {
            return;
        };
        assert_eq!(
            (report.imported, report.rejected.len()),
            (1, 0),
            "{file}: {report:?}"
        );
        assert_eq!(report.unimarc, 1, "{file}: read as UNIMARC");
        let row = |sql: &str| one(&store, sql);
        assert_eq!(row("SELECT title FROM records"), title, "{file}");
        assert!(
            row("SELECT authors FROM records").contains(author),
            "{file}: {}",
            row("SELECT authors FROM records")
        );
        // An ISBN whose check digit is wrong (as the two XML records' is) is not kept as an
        // identifier, as for MARC 21.
        let record = described(&store).remove(0);
        assert_eq!(record.description.isbns.join(","), isbn, "{file}");
        assert_eq!(row("SELECT language FROM records"), language, "{file}");
        if !subjects.is_empty() {
            assert_eq!(
                serde_json::to_string(&record.description.subjects).unwrap(),
                subjects,
                "{file}"
            );
        }
    }
}

/// Every record of the cache as its page shows it.
fn described(store: &Store) -> Vec<commons_core::catalogue::RecordDetail> {
    let ids: Vec<String> = store
        .conn()
        .prepare("SELECT id FROM records ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    ids.iter()
        .map(|id| {
            commons_core::catalogue::detail::record(store, id)
                .unwrap()
                .unwrap()
        })
        .collect()
}

/// Records as an import mapped them when it wrote them.
#[derive(Default)]
struct Written(Vec<(String, commons_core::catalogue::CatalogueRecord)>);

impl commons_core::catalogue::Follow for Written {
    fn written(
        &mut self,
        id: &str,
        record: &commons_core::catalogue::CatalogueRecord,
        _: bool,
        _: &[&str],
    ) {
        self.0.push((id.to_owned(), record.clone()));
    }
    fn touched(&mut self, _: &str) {}
}

/// The cache keeps of a record its original and what lists show; the rest is read back from
/// the original. For every record of every corpus file, what is read back is what the
/// import mapped when the record arrived (every field, identifiers and format), and every
/// record keeps its original.
#[test]
fn every_record_reads_back_as_it_was_imported() {
    let Some(corpus) = corpus() else { return };
    let mut compared = 0;
    let mut differ = Vec::new();
    for sub in ["marc", "oai", "sru"] {
        for path in files(&corpus.join(sub)) {
            let store = Store::open_in_memory().unwrap();
            let mut written = Written::default();
            import_file(&store, &path, &mut |_| {}, &mut written).unwrap();
            let without: i64 = store
                .conn()
                .query_row(
                    "SELECT count(*) FROM records WHERE original IS NULL",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                without,
                0,
                "{}: records without an original",
                path.display()
            );
            // A file may hold a record twice; the later is the one kept.
            let mut imported = std::collections::BTreeMap::new();
            for (id, record) in written.0 {
                imported.insert(id, record);
            }
            let held = described(&store);
            assert_eq!(held.len(), imported.len(), "{}", path.display());
            for (held, (id, record)) in held.into_iter().zip(imported) {
                assert_eq!(held.id, id);
                let mut d = record.description;
                for list in [&mut d.isbns, &mut d.issns, &mut d.oclc] {
                    list.sort();
                    list.dedup();
                }
                let format = record.format.map_or("other", |f| f.as_str());
                if d != held.description || format != held.format {
                    differ.push(format!(
                        "{} {id}:\n  imported {d:?} {format}\n  read     {:?} {}",
                        path.display(),
                        held.description,
                        held.format
                    ));
                }
                compared += 1;
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    eprintln!("{compared} records compared");
    assert!(compared > 100, "only {compared} records compared");
}
