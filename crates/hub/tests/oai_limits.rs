//! Providers that misbehave in ways a real OAI-PMH server does not: a resumption token
//! that comes back forever, and a response too large to read. A small fake provider on
//! loopback injects each; the harvest must stop with a clear error and keep what it had.

use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use commons_hub::harvest;
use commons_hub::oai::{Provider, RESPONSE_BYTES_MAX};
use commons_hub::{Db, feed};

mod support;
use support::Postgres;

const IDENTIFY: &str = r#"<?xml version="1.0"?><OAI-PMH><responseDate>2026-11-30T10:00:00Z</responseDate>
<Identify><repositoryName>Loop</repositoryName><granularity>YYYY-MM-DDThh:mm:ssZ</granularity>
<deletedRecord>no</deletedRecord></Identify></OAI-PMH>"#;

/// A page without records whose token is always the same one.
const LOOPING: &str = r#"<?xml version="1.0"?><OAI-PMH><responseDate>2026-11-30T10:00:00Z</responseDate>
<ListRecords><resumptionToken>again</resumptionToken></ListRecords></OAI-PMH>"#;

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/oai")
}

async fn library(db: &Db, id: &str, url: &str) {
    feed::upsert_library(
        db,
        &feed::LibraryInput {
            id,
            name: id,
            base_url: Some(url),
            metadata_prefix: "marcxml",
            set_spec: None,
            every_minutes: None,
            time_zone: None,
            marc_family: None,
        },
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_repeats_or_a_page_too_large_stops_the_harvest() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 4).unwrap();
    db.migrate().await.unwrap();

    let looping = serve(Router::new().route(
        "/oai",
        get(
            |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                match q.get("verb").map(String::as_str) {
                    Some("Identify") => IDENTIFY,
                    _ => LOOPING,
                }
            },
        ),
    ))
    .await;
    library(&db, "loop", &looping).await;
    let provider = Provider::new(&looping, Duration::from_secs(5)).unwrap();
    let e = tokio::time::timeout(
        Duration::from_secs(60),
        harvest::harvest_from(&db, "loop", &provider),
    )
    .await
    .expect("the harvest ends by itself")
    .unwrap_err();
    assert!(e.to_string().contains("`again` twice"), "{e}");
    let listed = feed::libraries(&db).await.unwrap();
    let last_error = listed[0].last_error.clone().unwrap_or_default();
    assert!(last_error.contains("twice"), "{last_error}");

    // A response one byte over the limit, sent in chunks: refused, not read whole, and not
    // asked for again (it would be as large the next time).
    let huge = serve(Router::new().route(
        "/oai",
        get(
            |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                if q.get("verb").map(String::as_str) == Some("Identify") {
                    return IDENTIFY.into_response();
                }
                let chunk = bytes_of(1024 * 1024);
                let n = RESPONSE_BYTES_MAX / chunk.len() + 1;
                let stream = futures_stream(chunk, n);
                Response::new(axum::body::Body::from_stream(stream))
            },
        ),
    ))
    .await;
    library(&db, "huge", &huge).await;
    let mut provider = Provider::new(&huge, Duration::from_secs(30)).unwrap();
    provider.backoff = Duration::from_millis(10);
    let e = harvest::harvest_from(&db, "huge", &provider)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("larger than 64 MiB"), "{e}");
}

/// A MARCXML record in an OAI-PMH envelope, with a title and ISBNs.
fn marc(id: &str, title: &str, isbns: &[&str]) -> String {
    let isbns: String = isbns
        .iter()
        .map(|i| {
            format!(r#"<datafield tag="020" ind1=" " ind2=" "><subfield code="a">{i}</subfield></datafield>"#)
        })
        .collect();
    format!(
        r#"<record><header><identifier>{id}</identifier><datestamp>2026-01-01T00:00:00Z</datestamp></header>
<metadata><record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a2200000 a 4500</leader>
{isbns}<datafield tag="245" ind1="0" ind2="0"><subfield code="a">{title}</subfield></datafield></record></metadata></record>"#
    )
}

/// One record carrying the ISBNs of four unrelated works joins none of them: it is kept as
/// a work of its own, and `library list` names the refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_that_would_glue_many_works_together_is_kept_apart() {
    let pg = Postgres::start();
    let db = Db::connect(&pg.config(), 4).unwrap();
    db.migrate().await.unwrap();
    let isbns = [
        "9780306400018",
        "9780306400025",
        "9780306400032",
        "9780306400049",
    ];
    let mut records: String = isbns
        .iter()
        .enumerate()
        .map(|(i, isbn)| marc(&format!("oai:glue:{i}"), &format!("Volume {i}"), &[isbn]))
        .collect();
    // Two records sharing an ISBN still merge.
    records.push_str(&marc("oai:glue:twin", "Volume 0", &[isbns[0]]));
    records.push_str(&marc("oai:glue:set", "The complete set", &isbns));
    let page = format!(
        r#"<?xml version="1.0"?><OAI-PMH><responseDate>2026-11-30T10:00:00Z</responseDate><ListRecords>{records}</ListRecords></OAI-PMH>"#
    );
    let url = serve(Router::new().route(
        "/oai",
        get(
            move |Query(q): Query<std::collections::HashMap<String, String>>| {
                let page = page.clone();
                async move {
                    match q.get("verb").map(String::as_str) {
                        Some("Identify") => IDENTIFY.to_owned(),
                        _ => page,
                    }
                }
            },
        ),
    ))
    .await;
    library(&db, "glue", &url).await;
    let provider = Provider::new(&url, Duration::from_secs(5)).unwrap();
    let report = harvest::harvest_from(&db, "glue", &provider).await.unwrap();
    assert_eq!(report.records, 6, "{report:?}");
    assert_eq!(report.merges_refused.len(), 1, "{report:?}");
    assert!(report.merges_refused[0].contains("oai:glue:set"));
    let client = db.pool.get().await.unwrap();
    let works: i64 = client
        .query_one("SELECT count(DISTINCT work_id) FROM source_records", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        works, 5,
        "four volumes (one with its twin) and the set apart"
    );
    let listed = feed::libraries(&db).await.unwrap();
    assert_eq!(listed[0].merge_refusals, 1);
    assert!(
        listed[0]
            .last_merge_refusal
            .as_deref()
            .is_some_and(|r| r.contains("oai:glue:set") && r.contains("4 works")),
        "{listed:?}"
    );
}

fn bytes_of(n: usize) -> axum::body::Bytes {
    axum::body::Bytes::from(vec![b' '; n])
}

/// `n` copies of `chunk` as a body stream.
fn futures_stream(
    chunk: axum::body::Bytes,
    n: usize,
) -> impl futures_core::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    struct Repeat {
        chunk: axum::body::Bytes,
        left: usize,
    }
    impl futures_core::Stream for Repeat {
        type Item = Result<axum::body::Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if self.left == 0 {
                return std::task::Poll::Ready(None);
            }
            self.left -= 1;
            std::task::Poll::Ready(Some(Ok(self.chunk.clone())))
        }
    }
    Repeat { chunk, left: n }
}
