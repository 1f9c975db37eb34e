//! Bookings per second the hub sustains, and their latency, over HTTP as workstations send
//! them, against a real PostgreSQL with fsync on (started here in a temporary directory).
//!
//! `cargo bench -p commons-hub --bench bookings -- [BOOKINGS] [CLIENTS]` (default 5000, 32).
//! Each request is a new booking of its own slot (librarians × times never collide), so
//! every one commits: the slowest kind of request. A second run sends the same load where
//! every slot is wanted by four clients, to time refusals too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use commons_hub::{Db, bookings, server, tokens};
use serde_json::json;

#[path = "../tests/support/mod.rs"]
mod support;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn run(
    url: &str,
    token: &str,
    total: usize,
    clients: usize,
    contention: usize,
    tag: &str,
) -> (f64, Vec<Duration>, usize) {
    let http = support::http();
    // From tomorrow, an hour apart: inside every librarian's hours and the type's window.
    let first: jiff::Timestamp = support::days_ahead(1, "00:00").parse().unwrap();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, next, url, token, tag) = (
            http.clone(),
            next.clone(),
            url.to_owned(),
            token.to_owned(),
            tag.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut booked = 0;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    return (latencies, booked);
                }
                let slot = i / contention;
                let librarian = format!("{tag}-lib-{}", slot % 50);
                let starts =
                    jiff::Timestamp::from_second(first.as_second() + 3600 * (slot / 50) as i64)
                        .unwrap();
                let body = json!({
                    "idempotency_key": format!("{tag}-{i}"),
                    "librarian_id": librarian,
                    "type_id": "research",
                    "starts_at": starts.to_string(),
                    "ends_at": (starts + jiff::SignedDuration::from_mins(30)).to_string(),
                    "topic": "Benchmark",
                    "student_name": "Student",
                    "student_email": "student@example.org",
                });
                let t = Instant::now();
                let r = http
                    .post(format!("{url}/api/v1/bookings"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("the hub answers");
                let status = r.status().as_u16();
                let _ = r.bytes().await;
                latencies.push(t.elapsed());
                assert!(status == 201 || status == 409, "status {status}");
                booked += usize::from(status == 201);
            }
        }));
    }
    let mut all = Vec::with_capacity(total);
    let mut booked = 0;
    for t in tasks {
        let (l, b) = t.await.unwrap();
        all.extend(l);
        booked += b;
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    (secs, all, booked)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let total = args.first().copied().unwrap_or(5000);
    let clients = args.get(1).copied().unwrap_or(32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let pg = support::Postgres::start_durable();
        let db = Db::connect(&pg.config(), 16).unwrap();
        db.migrate().await.unwrap();
        let token = tokens::create(&db, "bench").await.unwrap();
        // The hub checks each booking against its roster: 50 librarians per run, open all day.
        let ids: Vec<String> = ["free", "contended"]
            .iter()
            .flat_map(|tag| (0..50).map(move |n| format!("{tag}-lib-{n}")))
            .collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let roster = support::open_roster(&ids, json!([support::open_type("research", 30, 0, 1)]));
        commons_hub::roster::import(&db, &roster).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let served = db.clone();
        tokio::spawn(async move { axum::serve(listener, server::router(served)).await });

        println!("bookings: {total} requests from {clients} concurrent clients, PostgreSQL fsync on, hub and database on this machine");
        for (contention, tag, what) in [(1, "free", "every request a free slot"), (4, "contended", "each slot wanted by 4")] {
            let (secs, lat, booked) = run(&url, &token, total, clients, contention, tag).await;
            println!(
                "{what}: {:.0} requests/s, {:.0} bookings/s ({booked} booked) · latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                total as f64 / secs,
                booked as f64 / secs,
                percentile(&lat, 0.5),
                percentile(&lat, 0.99),
                percentile(&lat, 1.0),
            );
        }
        assert_eq!(bookings::overlaps(&db).await.unwrap(), 0);
        drop(pg);
    });
}
