//! The hub against a real PostgreSQL that the test starts itself (initdb and pg_ctl in a
//! temporary directory, as an unprivileged user when the tests run as root), reached over a
//! Unix socket in that directory only.

use std::time::Duration;

mod support;
use support::Postgres;

use commons_hub::feed::{self, Cursor};
use commons_hub::{Db, server, tokens};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_once() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 4).unwrap();
    assert_eq!(
        db.migrate().await.unwrap(),
        commons_hub::db::MIGRATIONS.len()
    );
    assert_eq!(
        db.migrate().await.unwrap(),
        0,
        "a second run applies nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_needs_a_live_token_and_returns_changes_in_order() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 4).unwrap();
    db.migrate().await.unwrap();
    let library = |id, name, base_url| feed::LibraryInput {
        id,
        name,
        base_url,
        metadata_prefix: "marcxml",
        set_spec: None,
        every_minutes: None,
        time_zone: None,
        marc_family: None,
    };
    feed::upsert_library(
        &db,
        &library(
            "central",
            "Meridian Central Library",
            Some("https://oai.example/central"),
        ),
    )
    .await
    .unwrap();
    feed::upsert_library(
        &db,
        &library("harbor", "Harbor Health Sciences Library", None),
    )
    .await
    .unwrap();
    assert!(
        feed::upsert_library(&db, &library("no spaces", "x", None))
            .await
            .is_err()
    );
    assert!(
        feed::upsert_library(&db, &library("x", "x", Some("file:///etc/passwd")))
            .await
            .is_err()
    );
    let token = tokens::create(&db, "workstation IC-01").await.unwrap();
    assert_eq!(token.len(), 64);
    let stored: Vec<tokens::TokenInfo> = tokens::list(&db).await.unwrap();
    assert_eq!(stored.len(), 1);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(axum::serve(listener, server::router(db.clone())).into_future());
    let http = support::http();
    let url = |path: &str| format!("http://{address}{path}");

    // /healthz is open; the feed is not.
    assert_eq!(
        http.get(url("/healthz")).send().await.unwrap().status(),
        200
    );
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Basic abc"),
        Some("Bearer "),
    ] {
        let mut req = http.get(url("/api/v1/changes"));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401, "{auth:?}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "unauthorized");
        assert!(body.get("changes").is_none(), "no data without a token");
    }
    let page: serde_json::Value = http
        .get(url("/api/v1/changes?limit=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["changes"][0]["key"], "central");
    let next = page["next"].as_str().unwrap().to_owned();
    let page: serde_json::Value = http
        .get(url(&format!("/api/v1/changes?since={next}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["changes"].as_array().unwrap().len(), 1);
    assert_eq!(page["changes"][0]["key"], "harbor");
    let bad = http
        .get(url("/api/v1/changes?since=garbage"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // A revoked token is refused.
    assert!(tokens::revoke(&db, stored[0].id).await.unwrap());
    let res = http
        .get(url("/api/v1/changes"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_change_is_skipped_when_transactions_commit_out_of_order() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 40).unwrap();
    db.migrate().await.unwrap();
    let writers = 16;
    let per_writer = 25;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut handles = Vec::new();
    for w in 0..writers {
        let db = db.clone();
        let done = std::sync::Arc::clone(&done);
        handles.push(tokio::spawn(async move {
            for n in 0..per_writer {
                let mut client = db.pool.get().await.unwrap();
                let tx = client.transaction().await.unwrap();
                tx.execute(
                    "INSERT INTO changes(kind, key, op) VALUES ('test', $1, 'upsert')",
                    &[&format!("{w}-{n}")],
                )
                .await
                .unwrap();
                // Hold the transaction open a varying while: later ids commit first.
                tokio::time::sleep(Duration::from_millis(((w * 7 + n * 13) % 23) as u64)).await;
                tx.commit().await.unwrap();
            }
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }));
    }
    // A reader follows the feed the whole time, in small pages.
    let mut cursor = Cursor::default();
    let mut seen: Vec<String> = Vec::new();
    loop {
        let finished = done.load(std::sync::atomic::Ordering::SeqCst) == writers;
        let page = feed::changes(&db, cursor, 7).await.unwrap();
        let next = Cursor::parse(&page.next).unwrap();
        assert!(next >= cursor, "the cursor never moves back");
        cursor = next;
        let empty = page.changes.is_empty();
        seen.extend(page.changes.into_iter().map(|c| c.key));
        if finished && empty {
            break;
        }
        if empty {
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
    }
    for h in handles {
        h.await.unwrap();
    }
    let mut expected: Vec<String> = (0..writers)
        .flat_map(|w| (0..per_writer).map(move |n| format!("{w}-{n}")))
        .collect();
    expected.sort();
    let mut got = seen.clone();
    got.sort();
    let before = got.len();
    got.dedup();
    assert_eq!(before, got.len(), "no change delivered twice");
    assert_eq!(got, expected, "every committed change delivered");
}
