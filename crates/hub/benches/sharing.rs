//! Resource-sharing requests placed per second and status changes per second the hub
//! sustains, with their latency, over HTTP as workstations and librarians send them, against
//! a real PostgreSQL with fsync on (started here in a temporary directory).
//!
//! `cargo bench -p commons-hub --bench sharing -- [REQUESTS] [CLIENTS]` (default 5000, 32).
//! The requests come from as many North workstations as their hourly share needs (84 for
//! 5,000 at 60 an hour), each within it.
//! Every request is new (each is routed: the holders ranked by availability and open
//! requests), so every one commits; then each request gets two supplier steps (WillSupply,
//! then Loaned with a due date), each checked against the table under its row's lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use commons_hub::{Db, server, tokens};
use serde_json::{Value, json};

#[path = "../tests/support/mod.rs"]
mod support;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

const WORKS: i64 = 200;

/// Sends `total` requests from `clients` concurrent clients, the `i`th with workstation
/// token `tokens[i % tokens.len()]`: `make(i)` gives each its path, session and body; returns the seconds taken, the sorted latencies and the
/// answers' bodies by index.
async fn load(
    url: &str,
    tokens: Arc<Vec<String>>,
    total: usize,
    clients: usize,
    make: Arc<dyn Fn(usize) -> (String, Option<String>, Value) + Send + Sync>,
) -> (f64, Vec<Duration>, Vec<(usize, Value)>) {
    let http = support::http();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, next, url, tokens, make) = (
            http.clone(),
            next.clone(),
            url.to_owned(),
            tokens.clone(),
            make.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut answers = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return (latencies, answers);
                }
                let (path, session, body) = make(i);
                let mut r = http
                    .post(format!("{url}{path}"))
                    .bearer_auth(&tokens[i % tokens.len()])
                    .json(&body);
                if let Some(s) = session {
                    r = r.header(commons_protocol::accounts::SESSION_HEADER, s);
                }
                let t = Instant::now();
                let r = r.send().await.expect("the hub answers");
                let status = r.status().as_u16();
                let answer: Value = r.json().await.unwrap_or(Value::Null);
                latencies.push(t.elapsed());
                assert!(status == 200 || status == 201, "status {status}: {answer}");
                answers.push((i, answer));
            }
        }));
    }
    let mut all = Vec::with_capacity(total);
    let mut answers = Vec::with_capacity(total);
    for t in tasks {
        let (l, a) = t.await.unwrap();
        all.extend(l);
        answers.extend(a);
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    answers.sort_by_key(|(i, _)| *i);
    (secs, all, answers)
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
        let libraries = ["north", "south", "east", "west"];
        let roster: commons_hub::roster::Roster = serde_json::from_value(json!({
            "libraries": libraries.iter().map(|l| json!({"id": l, "name": l, "time_zone": "UTC"})).collect::<Vec<_>>(),
            "librarians": libraries.iter().map(|l| json!({"id": format!("lib-{l}"), "name": l, "library": l, "hours": []})).collect::<Vec<_>>(),
            "consultation_types": [],
        }))
        .unwrap();
        commons_hub::roster::import(&db, &roster).await.unwrap();
        // 200 works, each held by two of South, East and West.
        let client = db.pool.get().await.unwrap();
        for work in 1..=WORKS {
            for library in [libraries[1 + (work % 3) as usize], libraries[1 + ((work + 1) % 3) as usize]] {
                let record = json!({"format": "book", "description": {"title": format!("Work {work}")},
                    "holdings": [{"library": library, "call_number": "X", "location": "MAIN", "status": "available", "due_date": null}]});
                client
                    .execute(
                        "INSERT INTO source_records(library_id, oai_id, format, record, keys, work_id) VALUES ($1, $2, 'marcxml', $3, '{}', $4)",
                        &[&library, &format!("oai:{library}:{work}"), &record, &work],
                    )
                    .await
                    .unwrap();
            }
        }
        drop(client);
        let token = tokens::create_for(&db, "bench", Some("north")).await.unwrap();
        // The requests come from the consortium's North workstations, each within its hourly
        // share (`sharing::REQUESTS_PER_HOUR`), as a busy day's would.
        let stations = total.div_ceil(commons_hub::sharing::REQUESTS_PER_HOUR as usize).max(1);
        let mut workstations = Vec::with_capacity(stations);
        for n in 0..stations {
            workstations.push(tokens::create_for(&db, &format!("North IC-{n:03}"), Some("north")).await.unwrap());
        }
        let workstations = Arc::new(workstations);
        let password = "interlibrary-loan-bench-2026";
        for l in libraries {
            commons_hub::librarians::add(&db, l, l, &format!("lib-{l}"), password).await.unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let served = db.clone();
        tokio::spawn(async move { axum::serve(listener, server::router(served)).await });
        let http = support::http();
        let mut sessions = std::collections::HashMap::new();
        for l in libraries {
            let r: Value = http
                .post(format!("{url}/api/v1/sessions"))
                .bearer_auth(&token)
                .json(&json!({"username": l, "password": password}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            sessions.insert(l.to_owned(), r["session"].as_str().unwrap().to_owned());
        }

        println!("sharing: {total} requests from {} workstations through {clients} concurrent clients, PostgreSQL fsync on, hub and database on this machine", workstations.len());
        let place = Arc::new(|i: usize| {
            let body = json!({
                "idempotency_key": format!("k{i}"),
                "record_id": format!("hub:{}", 1 + (i as i64 % WORKS)),
                "service": "Loan",
                "pickup_library": "north",
                "name": "Reader",
                "card_number": format!("N-{i:06}"),
                "email": "reader@students.example.edu",
            });
            ("/api/v1/requests".to_owned(), None, body)
        });
        let (secs, lat, placed) = load(&url, workstations.clone(), total, clients, place).await;
        println!(
            "requests placed: {:.0}/s · latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            total as f64 / secs,
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            percentile(&lat, 1.0)
        );
        let targets: Arc<Vec<(String, String)>> = Arc::new(
            placed
                .iter()
                .map(|(_, a)| (a["code"].as_str().unwrap().replace('-', ""), a["supplier"].as_str().unwrap().to_owned()))
                .collect(),
        );
        let sessions = Arc::new(sessions);
        let due = jiff::Zoned::now().date().saturating_add(jiff::Span::new().days(28)).to_string();
        let n = targets.len();
        let step = {
            let (targets, sessions) = (targets.clone(), sessions.clone());
            Arc::new(move |i: usize| {
                let (code, supplier) = &targets[i % n];
                let body = if i < n {
                    json!({"step": {"by": "Supplier", "step": "WillSupply"}})
                } else {
                    json!({"step": {"by": "Supplier", "step": "Loaned"}, "due": due})
                };
                (format!("/api/v1/requests/{code}/steps"), Some(sessions[supplier].clone()), body)
            })
        };
        // Each half in order: every request's WillSupply, then every request's Loaned.
        let mut lat_all = Vec::new();
        let mut secs_all = 0.0;
        for half in 0..2 {
            let step = step.clone();
            let offset = half * n;
            let make: Arc<dyn Fn(usize) -> (String, Option<String>, Value) + Send + Sync> = Arc::new(move |i| step(i + offset));
            let (secs, lat, _) = load(&url, Arc::new(vec![token.clone()]), n, clients, make).await;
            secs_all += secs;
            lat_all.extend(lat);
        }
        lat_all.sort();
        println!(
            "status changes: {:.0}/s · latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            (2 * n) as f64 / secs_all,
            percentile(&lat_all, 0.5),
            percentile(&lat_all, 0.99),
            percentile(&lat_all, 1.0)
        );
        drop(pg);
    });
}
