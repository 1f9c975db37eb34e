//! Documents shared through the hub, against a real PostgreSQL and the hub's HTTP API: a
//! workstation downloads them (resuming a download cut short, refusing bytes that do not
//! match the SHA-256), keeps its store under its size cap by evicting the least recently
//! opened, and downloads an evicted one again when it is opened.

use std::path::{Path, PathBuf};

use commons_hub::{Db, documents, server, tokens};

mod support;
use support::Postgres;

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus/pdf")
            .join(name),
    )
    .unwrap()
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn stored(ws: &commons_core::Workstation, sha: &str) -> bool {
    ws.with_store(|s| {
        s.conn()
            .query_row(
                "SELECT stored FROM documents WHERE sha256 = ?1",
                [sha],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| s.err(e))
    })
    .unwrap()
        == 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_arrive_resume_are_checked_and_evicted_least_recently_used() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 8).unwrap();
    db.migrate().await.unwrap();
    let hub_docs = tempfile::tempdir().unwrap();
    let files = ["issue6068.pdf", "bug1727053.pdf", "mixedfonts.pdf"];
    let mut shas = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let bytes = corpus(f);
        let s = documents::add(
            &db,
            hub_docs.path(),
            &bytes,
            &documents::NewDocument {
                title: format!("Shared reading {i}"),
                file_name: (*f).to_owned(),
                discipline_id: Some("history".into()),
                record_id: Some("hub:999".into()),
            },
        )
        .await
        .unwrap();
        assert_eq!(s, sha(&bytes));
        shas.push(s);
    }
    assert!(
        documents::add(
            &db,
            hub_docs.path(),
            b"<html>",
            &documents::NewDocument {
                title: "x".into(),
                file_name: "x.pdf".into(),
                ..Default::default()
            }
        )
        .await
        .is_err(),
        "not a PDF"
    );
    let token = tokens::create(&db, "IC-01").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let shared = server::Shared {
        db: db.clone(),
        documents: Some(std::sync::Arc::new(hub_docs.path().to_owned())),
        delivery: server::Delivery::default(),
        requests_per_hour: commons_hub::sharing::REQUESTS_PER_HOUR,
    };
    tokio::spawn(async move { axum::serve(listener, server::router_with(shared)).await });

    let dir = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().to_owned();
    let (url2, token2, shas2) = (url.clone(), token.clone(), shas.clone());
    tokio::task::spawn_blocking(move || {
        let shas = shas2;
        // A store of 1 MB: two of the three documents (about 0.4 MB each) fit.
        let ws = support::workstation(&root, &url2, &token2, &[("COMMONS_DOCUMENTS_CAP_MB", "1")]);
        let store_dir = ws.config().documents_dir();
        // A document a librarian added here, before any download.
        ws.create_account("desk", "Desk", "quiet-harbour-lantern-41", None)
            .unwrap();
        ws.sign_in("desk", "quiet-harbour-lantern-41").unwrap();
        let own = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(corpus("alphatrans.pdf"))
        };
        ws.add_document(
            &own,
            &commons_core::documents::NewDocument {
                title: "Added here".into(),
                file_name: "alphatrans.pdf".into(),
                ..Default::default()
            },
        )
        .unwrap();
        ws.sign_out();
        // A download of the third was cut short, and what it left is damaged: going on from
        // there gives bytes that do not match the SHA-256, which are thrown away.
        let third = commons_core::documents::path_of(&store_dir, &shas[2]);
        std::fs::create_dir_all(third.parent().unwrap()).unwrap();
        let whole = corpus(files[2]);
        std::fs::write(third.with_extension("part"), vec![b'x'; whole.len() / 2]).unwrap();

        let hub = ws.hub().unwrap().unwrap();
        let report = ws.sync_from(&hub).unwrap();
        assert_eq!(report.documents, 2, "{report:?}");
        assert!(
            !third.with_extension("part").exists(),
            "the damaged part is thrown away"
        );
        let listed = ws.documents().unwrap();
        let reading = listed.iter().find(|d| d.sha256 == shas[0]).unwrap();
        assert_eq!(reading.title, "Shared reading 0");
        assert_eq!(
            reading.discipline.as_ref().map(|d| d.0.as_str()),
            Some("history")
        );
        assert_eq!(
            reading.record, None,
            "a record this workstation does not hold is left out"
        );

        // A download cut short with good bytes goes on where it stopped.
        std::fs::write(third.with_extension("part"), &whole[..whole.len() / 2]).unwrap();
        let report = ws.sync_from(&hub).unwrap();
        assert_eq!(report.documents, 1);
        assert_eq!(std::fs::read(&third).unwrap(), whole);
        // The cap holds: the least recently used of the three went.
        let kept: Vec<bool> = shas.iter().map(|s| stored(&ws, s)).collect();
        assert_eq!(kept, vec![false, true, true]);

        // Opening the evicted one downloads it again; the least recently used goes instead.
        let bytes = ws.document_bytes(&shas[0]).unwrap();
        assert_eq!(sha(&bytes), shas[0]);
        let kept: Vec<bool> = shas.iter().map(|s| stored(&ws, s)).collect();
        assert_eq!(kept, vec![true, false, true]);
        // Documents added here are never evicted: the one added before is still stored.
        let local_missing: i64 = ws
            .with_store(|s| {
                s.conn()
                    .query_row(
                        "SELECT count(*) FROM documents WHERE origin = 'local' AND stored = 0",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(|e| s.err(e))
            })
            .unwrap();
        assert_eq!(local_missing, 0);
    })
    .await
    .unwrap();

    // Without a token, no document.
    let r = support::http()
        .get(format!("{url}api/v1/documents/{}", shas[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
