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
