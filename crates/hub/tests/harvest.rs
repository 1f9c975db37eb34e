//! Harvesting into the union catalogue, against an OAI-PMH provider nobody here wrote
//! (pyoai's server mode, `oai_provider.py`) serving real MARC records of ../shared/corpus,
//! and a real PostgreSQL; then workstations following the feed into their cache.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use commons_core::Store;
use commons_core::sync::{self, Hub};
use commons_hub::harvest::{self, Report};
use commons_hub::oai::Provider;
use commons_hub::{Db, feed, server, tokens};
use serde_json::json;

mod support;
use support::Postgres;

fn corpus(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/marc")
        .join(file);
    assert!(path.exists(), "{} is missing", path.display());
    path.canonicalize().unwrap().display().to_string()
}

/// A running provider and the manifest it reads on every request.
struct ProviderProcess {
    child: Child,
    port: u16,
    manifest: PathBuf,
    _dir: tempfile::TempDir,
}

impl ProviderProcess {
    fn start(manifest: &serde_json::Value) -> ProviderProcess {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        std::fs::write(&path, manifest.to_string()).unwrap();
        let mut child = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oai_provider.py"))
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 (scripts/setup installs it with pyoai and pymarc)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the provider did not start: {line:?}"));
        ProviderProcess {
            child,
            port,
            manifest: path,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/oai", self.port)
    }

    fn rewrite(&self, manifest: &serde_json::Value) {
        std::fs::write(&self.manifest, manifest.to_string()).unwrap();
    }

    fn list_requests(&self) -> u64 {
        let out = Command::new("python3")
            .args([
                "-c",
                &format!(
                    "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:{}/requests').read().decode())",
                    self.port
                ),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }
}

impl Drop for ProviderProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn entry(id: &str, day: u32, file: &str, index: usize) -> serde_json::Value {
    json!({
        "id": id,
        "datestamp": format!("2026-01-{day:02}T00:00:00Z"),
        "source": corpus(file),
        "index": index,
    })
}

async fn add_library(db: &Db, id: &str, name: &str, url: &str, prefix: &str) {
    feed::upsert_library(
        db,
        &feed::LibraryInput {
            id,
            name,
            base_url: Some(url),
            metadata_prefix: prefix,
            set_spec: None,
            every_minutes: None,
            time_zone: None,
            marc_family: None,
        },
    )
    .await
    .unwrap();
}

fn quick(url: &str) -> Provider {
    let mut p = Provider::new(url, Duration::from_secs(3)).unwrap();
    p.backoff = Duration::from_millis(50);
    p
}

async fn harvest(db: &Db, library: &str, url: &str) -> Report {
    harvest::harvest_from(db, library, &quick(url))
        .await
        .unwrap()
}

/// `(work, library, identifier)` of every source record.
async fn works(db: &Db) -> Vec<(i64, String, String)> {
    let client = db.pool.get().await.unwrap();
    client
        .query(
            "SELECT work_id, library_id, oai_id FROM source_records ORDER BY library_id, oai_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// Pulls the whole feed into `store` the way a workstation does; returns the pages applied.
async fn follow(
    store: std::sync::Arc<std::sync::Mutex<Store>>,
    url: String,
    token: String,
) -> usize {
    tokio::task::spawn_blocking(move || {
        let hub = Hub::new(
            url.parse().unwrap(),
            token,
            Duration::from_secs(5),
            sync::Transport::AllowInsecureHttp,
        )
        .unwrap();
        let store = store.lock().unwrap();
        let mut pages = 0;
        loop {
            let since = sync::cursor(&store).unwrap();
            let page = hub.changes(&since, 7).unwrap();
            let done = page.changes.is_empty();
            sync::apply(&store, &since, &page).unwrap();
            if done {
                return pages;
            }
            pages += 1;
        }
    })
    .await
    .unwrap()
}

/// The hub's union catalogue: work id → (title, holding libraries).
async fn hub_state(db: &Db) -> Vec<(String, Vec<String>)> {
    let client = db.pool.get().await.unwrap();
    let rows = client
        .query(
            "SELECT 'hub:' || work_id, array_agg(library_id ORDER BY library_id)
             FROM source_records GROUP BY work_id ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

/// The workstation's cache: record id → holding libraries (one per source record: the
/// corpus records carry no holdings fields).
fn cache_state(store: &Store) -> Vec<(String, Vec<String>)> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT r.id, (SELECT json_group_array(library_id) FROM (SELECT library_id FROM holdings h WHERE h.record_id = r.id ORDER BY library_id))
             FROM records r WHERE r.source = 'hub' ORDER BY r.id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        let libs: String = r.get(1)?;
        Ok((r.get(0)?, serde_json::from_str(&libs).unwrap()))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_libraries_become_one_union_catalogue_that_workstations_follow() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 4).unwrap();
    db.migrate().await.unwrap();

    // North sends MARCXML; South sends Dublin Core of the same two Chabon novels (read from
    // another file of the corpus) and one book North does not hold.
    let north_manifest = json!({"name": "North", "batch": 2, "records": [
        entry("oai:north:1", 1, "marc4j-chabon.mrc", 0),
        entry("oai:north:2", 2, "marc4j-chabon.mrc", 1),
        entry("oai:north:3", 3, "marc4j-sample1a.xml", 0),
    ]});
    let north = ProviderProcess::start(&north_manifest);
    let south = ProviderProcess::start(&json!({"name": "South", "batch": 2, "records": [
        entry("oai:south:a", 1, "marc4j-chabon.xml", 0),
        entry("oai:south:b", 1, "marc4j-chabon.xml", 1),
        entry("oai:south:c", 2, "marc4j-rec1.mrc", 0),
    ]}));
    add_library(&db, "north", "North Library", &north.url(), "marcxml").await;
    add_library(&db, "south", "South Library", &south.url(), "oai_dc").await;

    let r = harvest(&db, "north", &north.url()).await;
    assert_eq!((r.pages, r.records, r.deleted), (2, 3, 0), "{r:?}");
    assert!(r.rejected.is_empty(), "{r:?}");
    let r = harvest(&db, "south", &south.url()).await;
    assert_eq!((r.pages, r.records), (2, 3), "{r:?}");

    let w = works(&db).await;
    let work_of = |lib: &str, id: &str| {
        w.iter()
            .find(|(_, l, i)| l == lib && i == id)
            .map(|(w, _, _)| *w)
            .unwrap()
    };
    assert_eq!(
        work_of("north", "oai:north:1"),
        work_of("south", "oai:south:a")
    );
    assert_eq!(
        work_of("north", "oai:north:2"),
        work_of("south", "oai:south:b")
    );
    assert_ne!(
        work_of("north", "oai:north:1"),
        work_of("north", "oai:north:2")
    );
    assert_ne!(
        work_of("north", "oai:north:3"),
        work_of("south", "oai:south:c")
    );
    assert_eq!(hub_state(&db).await.len(), 4);

    // Harvesting again asks only for what changed since, and finds nothing new.
    let before = north.list_requests();
    let r = harvest(&db, "north", &north.url()).await;
    assert_eq!((r.records, r.unchanged), (0, 0), "{r:?}");
    assert_eq!(north.list_requests(), before + 1);

    // A workstation follows the feed, in small pages, into its cache.
    let token = tokens::create(&db, "IC-01").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = db.clone();
    tokio::spawn(async move { axum::serve(listener, server::router(served)).await });
    let hub_url = format!("http://{addr}/");
    let store = std::sync::Arc::new(std::sync::Mutex::new(Store::open_in_memory().unwrap()));
    let pages = follow(store.clone(), hub_url.clone(), token.clone()).await;
    assert!(pages >= 2, "{pages} pages");
    let expected = hub_state(&db).await;
    assert_eq!(cache_state(&store.lock().unwrap()), expected);
    {
        let s = store.lock().unwrap();
        // The record with this ISBN, as its page reads it (the cache reads identifiers from
        // the record's original).
        let with_isbn: Vec<String> = cache_state(&s)
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| {
                commons_core::catalogue::detail::record(&s, id)
                    .unwrap()
                    .unwrap()
                    .description
                    .isbns
                    .iter()
                    .any(|i| i == "9780679450047")
            })
            .collect();
        assert_eq!(with_isbn.len(), 1, "{with_isbn:?}");
        let (title, holdings): (String, i64) = s
            .conn()
            .query_row(
                "SELECT title, (SELECT count(*) FROM holdings WHERE record_id = records.id) FROM records
                 WHERE id = ?1",
                [&with_isbn[0]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(title.contains("Kavalier"), "{title}");
        assert_eq!(holdings, 2, "held by both libraries");
        let name: String = s
            .conn()
            .query_row("SELECT name FROM libraries WHERE id = 'north'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(name, "North Library");
    }

    // North withdraws one novel and corrects a title: the merge is undone where it must be,
    // and the workstation converges again.
    let mut changed = north_manifest.clone();
    changed["records"][0]["deleted"] = json!(true);
    changed["records"][0]["datestamp"] = json!("2030-01-01T00:00:00Z");
    changed["records"][2]["title"] = json!("Corrected title");
    changed["records"][2]["datestamp"] = json!("2030-01-01T00:00:00Z");
    north.rewrite(&changed);
    // Their datestamps are after the last harvest's start, so the next harvest sees them.
    let r = harvest(&db, "north", &north.url()).await;
    assert_eq!((r.records, r.deleted), (1, 1), "{r:?}");
    let w = works(&db).await;
    assert!(!w.iter().any(|(_, _, i)| i == "oai:north:1"));
    follow(store.clone(), hub_url.clone(), token.clone()).await;
    let expected = hub_state(&db).await;
    assert_eq!(cache_state(&store.lock().unwrap()), expected);
    let title: String = store
        .lock()
        .unwrap()
        .conn()
        .query_row(
            "SELECT title FROM records WHERE id = ?1",
            [format!("hub:{}", work_of("north", "oai:north:3"))],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(title, "Corrected title");

    // The consortium's resource list reaches the workstation; one left out of the next list
    // is retired there; a list with an unusable resource changes nothing.
    let resource = |id: &str, url: &str| commons_core::disciplines::curate::SharedResource {
        id: id.into(),
        kind: "database".into(),
        name: format!("Resource {id}"),
        alt_names: vec![],
        description: "A database".into(),
        vendor: None,
        url: Some(url.into()),
        access: "campus".into(),
        note: None,
        disciplines: vec![],
        yearly_cost: (id == "res-a").then_some(1200),
    };
    let r = feed::import_resources(
        &db,
        &[
            resource("res-a", "https://a.example/"),
            resource("res-b", "https://b.example/"),
        ],
    )
    .await
    .unwrap();
    assert_eq!((r.added_or_changed, r.retired), (2, 0));
    assert!(
        feed::import_resources(&db, &[resource("res-c", "javascript:alert(1)")])
            .await
            .is_err()
    );
    follow(store.clone(), hub_url.clone(), token.clone()).await;
    let r = feed::import_resources(&db, &[resource("res-a", "https://a.example/")])
        .await
        .unwrap();
    assert_eq!((r.added_or_changed, r.unchanged, r.retired), (0, 1, 1));
    follow(store.clone(), hub_url.clone(), token.clone()).await;
    let resources: Vec<(String, bool, Option<i64>)> = {
        let s = store.lock().unwrap();
        let mut stmt = s
            .conn()
            .prepare("SELECT id, retired_at IS NOT NULL, yearly_cost FROM resources ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        resources,
        vec![
            ("res-a".to_owned(), false, Some(1200)),
            ("res-b".to_owned(), true, None)
        ],
        "the yearly cost of the office's list arrives with the resource"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_fails_is_retried_resumed_and_restarted() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 4).unwrap();
    db.migrate().await.unwrap();
    let records: Vec<serde_json::Value> = (0..9)
        .map(|i| {
            entry(
                &format!("oai:x:{i}"),
                1 + i as u32,
                "marc4j-selectedRecs.mrc",
                i,
            )
        })
        .collect();
    // Request 1 gets a 500, 3 half a page, 4 no answer within the timeout, 6 an expired
    // token (the harvest starts again from its `from`: requests 7 to 11); just before
    // request 9 the first record, already harvested on this pass, changes.
    let manifest = json!({"name": "Faulty", "batch": 2, "records": records,
        "faults": {"1": "500", "3": "malformed", "4": "timeout", "6": "expired"},
        "changes": {"9": {"id": "oai:x:0", "title": "Changed while harvesting"}}});
    let provider = ProviderProcess::start(&manifest);
    add_library(&db, "x", "Faulty Library", &provider.url(), "marcxml").await;
    let r = harvest(&db, "x", &provider.url()).await;
    assert!(r.restarted, "{r:?}");
    assert_eq!(works(&db).await.len(), 9);
    assert_eq!(provider.list_requests(), 11);
    // The change made during the harvest is picked up by the next one.
    let r = harvest(&db, "x", &provider.url()).await;
    assert_eq!(r.records, 1, "{r:?}");
    let client = db.pool.get().await.unwrap();
    let title: String = client
        .query_one(
            "SELECT record->'description'->>'title' FROM source_records WHERE oai_id = 'oai:x:0'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(title, "Changed while harvesting");

    // A harvest that dies after its first page resumes from its token next time.
    client
        .execute(
            "UPDATE harvests SET next_from = NULL WHERE library_id = 'x'",
            &[],
        )
        .await
        .unwrap();
    let start = provider.list_requests();
    let mut failing = provider_manifest(&provider);
    let faults: serde_json::Map<String, serde_json::Value> = (start + 2..start + 40)
        .map(|n| (n.to_string(), json!("500")))
        .collect();
    failing["faults"] = json!(faults);
    provider.rewrite(&failing);
    let mut p = quick(&provider.url());
    p.attempts = 2;
    let e = harvest::harvest_from(&db, "x", &p).await.unwrap_err();
    assert!(e.to_string().contains("500"), "{e}");
    let (token, error): (Option<String>, Option<String>) = {
        let row = client
            .query_one(
                "SELECT resumption_token, last_error FROM harvests WHERE library_id = 'x'",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert!(token.is_some(), "the token after the first page is kept");
    assert!(error.unwrap().contains("500"));
    failing["faults"] = json!({});
    provider.rewrite(&failing);
    let before = provider.list_requests();
    let r = harvest(&db, "x", &provider.url()).await;
    assert!(r.resumed && !r.restarted, "{r:?}");
    assert_eq!(r.pages, 4, "the first page is not asked again: {r:?}");
    assert_eq!(provider.list_requests(), before + 4);
    assert_eq!(works(&db).await.len(), 9);

    // The schedule: just harvested, so not due; due once its time has passed, by the hub's
    // default or by the library's own schedule.
    assert!(harvest::due(&db, 60).await.unwrap().is_empty());
    client
        .execute(
            "UPDATE harvests SET last_attempt_at = now() - interval '90 minutes'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(harvest::due(&db, 60).await.unwrap(), vec!["x".to_owned()]);
    assert!(harvest::due(&db, 120).await.unwrap().is_empty());
    assert!(
        harvest::due(&db, 0).await.unwrap().is_empty(),
        "0: no default schedule"
    );
    client
        .execute("UPDATE libraries SET harvest_every_minutes = 30", &[])
        .await
        .unwrap();
    assert_eq!(harvest::due(&db, 0).await.unwrap(), vec!["x".to_owned()]);
}

fn provider_manifest(p: &ProviderProcess) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(&p.manifest).unwrap()).unwrap()
}

/// A library whose provider names MARCXML `marc21` (as Alma, Koha and FOLIO do) and whose
/// records are UNIMARC: each is read as its tags say, or as the library's setting says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unimarc_from_a_provider_naming_marcxml_marc21() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 4).unwrap();
    db.migrate().await.unwrap();
    let provider = ProviderProcess::start(&json!({"name": "Biblioteca", "batch": 5, "records": [
        entry("oai:fr:1", 1, "marc4j-unimarc_record.xml", 0),
        entry("oai:us:1", 1, "marc4j-chabon.mrc", 0),
    ]}));
    add_library(&db, "roma", "Biblioteca di Roma", &provider.url(), "marc21").await;
    let r = harvest(&db, "roma", &provider.url()).await;
    assert_eq!((r.records, r.rejected.len()), (2, 0), "{r:?}");
    let client = db.pool.get().await.unwrap();
    let titles: Vec<String> = client
        .query(
            "SELECT record->'description'->>'title' FROM source_records ORDER BY oai_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        titles,
        [
            "Le Spleen de Paris",
            "The amazing adventures of Kavalier and Clay"
        ]
    );
    // Set to MARC 21, the same records have no title where MARC 21 keeps it (245): refused
    // with the reason, the MARC 21 record still read.
    feed::upsert_library(
        &db,
        &feed::LibraryInput {
            id: "roma",
            name: "Biblioteca di Roma",
            base_url: Some(&provider.url()),
            metadata_prefix: "marc21",
            set_spec: None,
            every_minutes: None,
            time_zone: None,
            marc_family: Some("marc21"),
        },
    )
    .await
    .unwrap();
    client
        .execute("UPDATE harvests SET next_from = NULL", &[])
        .await
        .unwrap();
    let r = harvest(&db, "roma", &provider.url()).await;
    assert_eq!(r.rejected.len(), 1, "{r:?}");
    // `library list` says how the library's records are read.
    let listed = feed::libraries(&db).await.unwrap();
    assert_eq!(listed[0].marc_family.as_deref(), Some("marc21"));
    // An unknown setting is refused with the reason.
    let e = feed::upsert_library(
        &db,
        &feed::LibraryInput {
            id: "roma",
            name: "Biblioteca di Roma",
            base_url: None,
            metadata_prefix: "marc21",
            set_spec: None,
            every_minutes: None,
            time_zone: None,
            marc_family: Some("ibermarc"),
        },
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("marc21, unimarc or auto"), "{e}");
}

/// `library add` asks the provider what it offers: MARCXML is found by its namespace
/// whatever the provider calls it, Dublin Core when there is nothing better, an asked prefix
/// the provider does not offer is refused, and a provider whose list lies fails its harvest
/// with the reason and nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_format_is_found_by_what_the_provider_offers() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 4).unwrap();
    db.migrate().await.unwrap();
    let marc_ns = "http://www.loc.gov/MARC21/slim";
    let marc_schema = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd";
    let dc = json!({"prefix": "oai_dc", "schema": "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                    "namespace": "http://www.openarchives.org/OAI/2.0/oai_dc/"});
    let records = json!([
        entry("oai:a:1", 1, "marc4j-chabon.mrc", 0),
        entry("oai:a:2", 1, "marc4j-chabon.mrc", 1),
    ]);
    let timeout = Duration::from_secs(5);
    for (n, name) in ["marc21", "MARC21", "marc"].into_iter().enumerate() {
        let provider = ProviderProcess::start(&json!({
            "name": "Alma-style", "records": records,
            "formats": [dc, {"prefix": name, "schema": marc_schema, "namespace": marc_ns}],
        }));
        let choice = harvest::choose_prefix(&provider.url(), None, timeout)
            .await
            .unwrap();
        assert_eq!(choice.prefix, name, "{choice:?}");
        assert!(choice.why.contains("MARCXML"), "{}", choice.why);
        let id = format!("alma-{n}");
        add_library(&db, &id, "Alma-style", &provider.url(), &choice.prefix).await;
        let r = harvest(&db, &id, &provider.url()).await;
        assert_eq!((r.records, r.rejected.len()), (2, 0), "{name}: {r:?}");
        // Full MARC, not Dublin Core: the records keep their ISBNs and subjects.
        let client = db.pool.get().await.unwrap();
        let isbns: i64 = client
            .query_one(
                "SELECT count(*) FROM source_records
                 WHERE library_id = $1 AND jsonb_array_length(record->'description'->'isbns') > 0",
                &[&id],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(isbns, 2, "{name}");
    }
    // Only Dublin Core on offer.
    let provider = ProviderProcess::start(&json!({"records": records, "formats": [dc]}));
    let choice = harvest::choose_prefix(&provider.url(), None, timeout)
        .await
        .unwrap();
    assert_eq!(choice.prefix, "oai_dc");
    // Asked for what is not offered: refused, naming what is.
    let e = harvest::choose_prefix(&provider.url(), Some("marcxml"), timeout)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("does not offer `marcxml`; it offers oai_dc"),
        "{e}"
    );
    // Nothing Commons reads.
    let provider = ProviderProcess::start(&json!({"records": records, "formats": [
        {"prefix": "mods", "schema": "http://www.loc.gov/standards/mods/v3/mods-3-7.xsd",
         "namespace": "http://www.loc.gov/mods/v3"}]}));
    let e = harvest::choose_prefix(&provider.url(), None, timeout)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("neither MARCXML nor Dublin Core (mods)"),
        "{e}"
    );
    // A list that lies: MARCXML listed, not served. The harvest fails with the provider's
    // reason and writes nothing.
    let provider = ProviderProcess::start(&json!({"records": records, "formats": [
        dc, {"prefix": "marc", "schema": marc_schema, "namespace": marc_ns, "served": false}]}));
    let choice = harvest::choose_prefix(&provider.url(), None, timeout)
        .await
        .unwrap();
    assert_eq!(choice.prefix, "marc");
    add_library(&db, "liar", "Liar", &provider.url(), &choice.prefix).await;
    let e = harvest::harvest_from(&db, "liar", &quick(&provider.url()))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cannotDisseminateFormat"), "{e}");
    let client = db.pool.get().await.unwrap();
    let written: i64 = client
        .query_one(
            "SELECT count(*) FROM source_records WHERE library_id = 'liar'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(written, 0);
    // Updating a library changes only what is given: its time zone alone keeps its address,
    // format and MARC family.
    feed::upsert_library(
        &db,
        &feed::LibraryInput {
            id: "alma-1",
            name: "Alma-style, renamed",
            base_url: None,
            metadata_prefix: "marcxml",
            set_spec: None,
            every_minutes: None,
            time_zone: Some("Europe/Rome"),
            marc_family: None,
        },
    )
    .await
    .unwrap();
    let kept = feed::libraries(&db)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.id == "alma-1")
        .unwrap();
    assert_eq!(
        (kept.name.as_str(), kept.metadata_prefix.as_str()),
        ("Alma-style, renamed", "MARC21")
    );
    assert!(kept.base_url.is_some());
    // A provider out of reach cannot be asked: say so, and how to go on.
    let e = harvest::choose_prefix("http://127.0.0.1:9/oai", None, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("name one with --prefix"), "{e}");
}

/// Several hub processes on one database (two pools here, as two processes have): a
/// library is harvested by one at a time, the other refused at once with the reason and
/// writing nothing, and each scheduled turn is taken by exactly one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_harvest_of_a_library_at_a_time_across_hub_processes() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 8).unwrap();
    db.migrate().await.unwrap();
    let other = Db::connect(&pg.config(), 8).unwrap();
    let provider = ProviderProcess::start(&json!({"name": "North", "batch": 50,
        "records": (0..6).map(|i| entry(&format!("oai:n:{i}"), 1, "marc4j-selectedRecs.mrc", i)).collect::<Vec<_>>(),
        "faults": {"1": "slow"}}));
    add_library(&db, "north", "North Library", &provider.url(), "marcxml").await;
    let (first_db, url) = (db.clone(), provider.url());
    let first =
        tokio::spawn(async move { harvest::harvest_from(&first_db, "north", &quick(&url)).await });
    // The first is waiting for its slow page when the second process starts the same harvest.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let e = harvest::harvest_from(&other, "north", &quick(&provider.url()))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("is being harvested now"), "{e}");
    let r = first.await.unwrap().unwrap();
    assert_eq!(r.records, 6, "{r:?}");
    assert_eq!(
        provider.list_requests(),
        1,
        "the refused harvest asked the provider nothing"
    );
    let listed = feed::libraries(&db).await.unwrap();
    assert_eq!(
        listed[0].last_error, None,
        "a refused second harvest is not the library's error"
    );
    // Released: the other process harvests next (nothing new).
    let again = harvest::harvest_from(&other, "north", &quick(&provider.url()))
        .await
        .unwrap();
    assert_eq!(again.records, 0);
    // A scheduled turn: 16 claims from both processes at once, one wins; then none until
    // the turn comes again.
    let client = db.pool.get().await.unwrap();
    client
        .execute(
            "UPDATE harvests SET last_attempt_at = now() - interval '2 hours'",
            &[],
        )
        .await
        .unwrap();
    let claims = (0..16).map(|i| {
        let db = if i % 2 == 0 {
            db.clone()
        } else {
            other.clone()
        };
        tokio::spawn(async move { harvest::claim(&db, "north", 60).await.unwrap() })
    });
    let mut won = 0;
    for c in claims {
        won += usize::from(c.await.unwrap());
    }
    assert_eq!(won, 1, "each turn is taken once");
    assert!(!harvest::claim(&other, "north", 60).await.unwrap());
    assert!(harvest::due(&db, 60).await.unwrap().is_empty());
}

/// A `commons-hub serve` process of the real binary, its log kept.
struct Serve {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Serve {
    fn start(config: &Path, dir: &Path, name: &str) -> Serve {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_commons-hub"))
            .args(["--config".as_ref(), config.as_os_str()])
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Serve {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    async fn ready(&self) {
        let http = support::http();
        for _ in 0..200 {
            let healthz = http.get(format!("{}/healthz", self.url)).send().await;
            if healthz.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{} did not start: {}",
            self.url,
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// How many scheduled harvests of `library` this process ran.
    fn harvests_of(&self, library: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .filter(|l| l.contains(" harvested ") && l.contains(&format!("library=\"{library}\"")))
            .count()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two `commons-hub serve` processes of the real binary on one database, as behind a
/// reverse proxy: with both libraries due every minute, each minute's harvest of a library
/// runs once in all; both give the same answers; a revoked token stops working on both
/// within `RECHECK`; one slot wanted through both at once is booked once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_behave_as_one() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 4).unwrap();
    db.migrate().await.unwrap();
    let provider = ProviderProcess::start(&json!({"name": "North", "batch": 50,
        "records": (0..6).map(|i| entry(&format!("oai:n:{i}"), 1, "marc4j-selectedRecs.mrc", i)).collect::<Vec<_>>()}));
    add_library(&db, "north", "North Library", &provider.url(), "marcxml").await;
    add_library(&db, "south", "South Library", &provider.url(), "marcxml").await;
    // Every minute: below the 5 minutes `library add` and the schema allow, which is policy
    // for providers' sake; the scheduler has no limit of its own.
    db.pool
        .get()
        .await
        .unwrap()
        .batch_execute(
            "ALTER TABLE libraries DROP CONSTRAINT libraries_harvest_every_minutes_check;
             UPDATE libraries SET harvest_every_minutes = 1",
        )
        .await
        .unwrap();
    let roster = support::open_roster(
        &["lib-okafor"],
        json!([support::open_type("research", 30, 10, 1)]),
    );
    commons_hub::roster::import(&db, &roster).await.unwrap();
    let token = tokens::create(&db, "IC-01").await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hub.toml");
    std::fs::write(
        &config,
        format!(
            "database = {:?}\n[harvest]\nevery_minutes = 0\ntimeout_secs = 10\n",
            pg.config()
        ),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let a = Serve::start(&config, dir.path(), "a");
    let b = Serve::start(&config, dir.path(), "b");
    a.ready().await;
    b.ready().await;

    // Identical answers: the feed, once the first minute's harvests are in.
    let http = support::http();
    let get = |url: String, token: String| {
        let http = http.clone();
        async move {
            let r = http.get(url).bearer_auth(token).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    tokio::time::sleep(Duration::from_secs(5)).await;
    let feed = |s: &Serve| format!("{}/api/v1/changes?since=&limit=500", s.url);
    let (sa, fa) = get(feed(&a), token.clone()).await;
    let (sb, fb) = get(feed(&b), token.clone()).await;
    assert_eq!((sa, sb), (200, 200), "{fa} {fb}");
    assert!(
        fa.contains("oai:n:0"),
        "the first minute's harvest is in the feed: {fa}"
    );
    assert_eq!(fa, fb, "both processes answer the same");

    // One slot, asked through both processes at once by two workstations' requests.
    let slot = support::days_ahead(2, "10:00");
    let book = |s: &Serve, key: &str| {
        let (http, url, token) = (
            http.clone(),
            format!("{}/api/v1/bookings", s.url),
            token.clone(),
        );
        let body = support::booking_request(key, "lib-okafor", &slot, 30);
        async move {
            http.post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let (ba, bb) = tokio::join!(book(&a, "through-a"), book(&b, "through-b"));
    let mut statuses = [ba, bb];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "one booking of the slot in all");

    // A revoked token stops working on both within RECHECK.
    let id = tokens::list(&db).await.unwrap()[0].id;
    assert!(tokens::revoke(&db, id).await.unwrap());
    tokio::time::sleep(tokens::RECHECK + Duration::from_millis(500)).await;
    assert_eq!(get(feed(&a), token.clone()).await.0, 401);
    assert_eq!(get(feed(&b), token.clone()).await.0, 401);

    // Three minutes' turns (the schedulers tick at start, +60 s, +120 s; the next at +180 s):
    // each library harvested exactly three times between the two processes.
    let until = Duration::from_secs(150);
    tokio::time::sleep(until.saturating_sub(started.elapsed())).await;
    for library in ["north", "south"] {
        let (by_a, by_b) = (a.harvests_of(library), b.harvests_of(library));
        assert_eq!(
            by_a + by_b,
            3,
            "{library}: {by_a} harvests by one process and {by_b} by the other in 150 s:\n{}\n{}",
            std::fs::read_to_string(&a.log).unwrap(),
            std::fs::read_to_string(&b.log).unwrap()
        );
    }
    assert_eq!(
        provider.list_requests(),
        6,
        "the provider was asked once per turn and library"
    );
}
