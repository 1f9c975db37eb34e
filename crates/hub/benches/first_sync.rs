//! A new workstation's first sync from a hub holding N union records, end to end (HTTP with
//! gzip, applying each page, indexing), against the same pages applied to a fresh cache with
//! no HTTP and no index (the writer alone), and against starting from a snapshot of the first
//! workstation (`snapshot::install`, then open and search).
//!
//! `cargo bench -p commons-hub --bench first_sync -- [RECORDS]` (default 100000). The hub is
//! filled through its own feed writer (`feed::emit`) with generated records of the shape a
//! harvest writes (title, authors, subjects, identifiers, classification, holdings at one to
//! three of five libraries), their titles and subjects drawn from the catalogue benchmark's
//! vocabulary (words by Zipf's law, one title in ten in Chinese); filling is reported, not
//! measured.

use std::time::Instant;

use commons_catalogue::record::{Description, Format};
use commons_catalogue::union::{SourceRef, UnionHolding, UnionRecord};
use commons_core::{Config, Workstation};
use commons_protocol::ChangeBody;

#[path = "../tests/support/mod.rs"]
mod support;

// The catalogue benchmark's generator: titles and subjects of words drawn by Zipf's law.
#[path = "../../core/benches/support/generated.rs"]
mod generated;
use generated::{FAMILY, GIVEN, Rng, Vocabulary, capitalise};

fn record(i: usize, v: &Vocabulary, rng: &mut Rng) -> UnionRecord {
    let (title, chinese) = v.title(rng);
    let libraries = ["north", "south", "east", "west", "central"];
    let held = 1 + rng.below(3);
    let first = rng.below(5);
    let lcc = format!(
        "{}{} .{}{}",
        ["QA", "QC", "PS", "HD", "BF", "RC"][rng.below(6)],
        1 + rng.below(900),
        FAMILY[rng.below(FAMILY.len())]
            .chars()
            .next()
            .unwrap_or('A'),
        rng.below(99)
    );
    let name = |rng: &mut Rng| {
        format!(
            "{}, {}",
            FAMILY[rng.below(FAMILY.len())],
            GIVEN[rng.below(GIVEN.len())]
        )
    };
    UnionRecord {
        id: format!("hub:{i}"),
        format: Format::Book,
        description: Description {
            title,
            authors: (0..1 + rng.below(2)).map(|_| name(rng)).collect(),
            publisher: Some(format!("{} Press", capitalise(v.word(rng)))),
            place: Some(capitalise(v.word(rng))),
            year: Some(1900 + rng.below(126) as i64),
            language: if chinese { "chi" } else { "eng" }.into(),
            isbns: vec![format!("978{:010}", rng.next() % 10_000_000_000)],
            lcc: Some(lcc.clone()),
            subjects: (0..1 + rng.below(3))
                .map(|_| format!("{} {}", capitalise(v.word(rng)), v.word(rng)))
                .collect(),
            physical: Some(format!("{} p.", 80 + rng.below(600))),
            ..Description::default()
        },
        holdings: (0..held)
            .map(|k| UnionHolding {
                library: libraries[(first + k) % 5].into(),
                call_number: lcc.clone(),
                location: "Stacks".into(),
                status: if rng.below(10) == 0 {
                    "on_loan"
                } else {
                    "available"
                }
                .into(),
                due_date: None,
            })
            .collect(),
        sources: (0..held)
            .map(|k| SourceRef {
                library: libraries[(first + k) % 5].into(),
                identifier: format!("oai:{}:{i}", libraries[(first + k) % 5]),
            })
            .collect(),
    }
}

fn config(root: &std::path::Path, url: &str, token: &str) -> Config {
    support::config(root, url, token, &[("COMMONS_HUB_TIMEOUT_SECS", "120")])
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => dir_bytes(&e.path()),
                    _ => e.metadata().map_or(0, |m| m.len()),
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let records: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hub = runtime.block_on(async {
        let hub = support::hub().await;
        let started = Instant::now();
        let mut rng = Rng(0x5eed_cafe_f00d_d00d);
        let vocabulary = Vocabulary::new(&mut rng);
        let mut i = 1;
        while i <= records {
            // The feed's own envelopes, written 5,000 to a statement.
            let mut batch = Vec::new();
            for _ in 0..5000.min(records + 1 - i) {
                let r = record(i, &vocabulary, &mut rng);
                batch.push(commons_protocol::Change::new(
                    r.id.clone(),
                    &ChangeBody::Record(Box::new(r)),
                ));
                i += 1;
            }
            let kinds: Vec<&str> = batch.iter().map(|c| c.kind.as_str()).collect();
            let keys: Vec<&str> = batch.iter().map(|c| c.key.as_str()).collect();
            let ops: Vec<&str> = batch.iter().map(|c| c.op.as_str()).collect();
            let bodies: Vec<Option<&str>> = batch
                .iter()
                .map(|c| c.body.as_deref().map(|b| b.get()))
                .collect();
            let mut client = hub.db.pool.get().await.unwrap();
            let tx = client.transaction().await.unwrap();
            tx.execute(
                "INSERT INTO changes(kind, key, op, body)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]::jsonb[])",
                &[&kinds, &keys, &ops, &bodies],
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        eprintln!(
            "hub filled with {records} union records in {:.1} s (not measured)",
            started.elapsed().as_secs_f64()
        );
        hub
    });
    let url = format!("{}/", hub.url);
    let token = hub.token.clone();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let _guard = runtime.enter();
    let result = std::thread::spawn(move || {
        // 1. The first sync, end to end.
        let ws = Workstation::new(config(&root.join("full"), &url, &token));
        ws.prepare(&mut |_| {}).unwrap();
        let hub_client = ws.hub().unwrap().unwrap();
        let started = Instant::now();
        let report = ws.sync_from(&hub_client).unwrap();
        let full = started.elapsed().as_secs_f64();
        assert_eq!(report.records, records, "{report:?}");
        let full_dir = root.join("full/data");
        let cache = std::fs::metadata(full_dir.join("commons.db")).map_or(0, |m| m.len());
        let index = dir_bytes(&full_dir.join("index"));

        // Its parts alone: the index built again from the synced cache; the pages fetched
        // (HTTP, gzip, parsing) into memory; the same pages applied to a fresh cache with no
        // HTTP and no index (the writer alone).
        let started = Instant::now();
        ws.reindex(&mut |_, _| {}).unwrap();
        let index_only = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let mut pages = Vec::new();
        let mut since = String::new();
        loop {
            // The pages a first sync asks for.
            let page = hub_client
                .changes(&since, commons_protocol::limits::FEED_PAGE_MAX)
                .unwrap();
            if page.changes.is_empty() {
                break;
            }
            let next = page.next.clone();
            pages.push((since.clone(), page));
            since = next;
        }
        let fetch_only = started.elapsed().as_secs_f64();
        let bare = Workstation::new(config(&root.join("bare"), &url, &token));
        bare.prepare(&mut |_| {}).unwrap();
        let started = Instant::now();
        bare.with_store(|store| -> Result<(), commons_core::sync::SyncError> {
            for (since, page) in &pages {
                commons_core::sync::apply(store, since, page)?;
            }
            Ok(())
        })
        .unwrap();
        let apply_only = started.elapsed().as_secs_f64();
        drop(pages);

        // 3. A snapshot of the first, and a new workstation started from it.
        let file = root.join("room.snapshot");
        let started = Instant::now();
        let manifest = ws.snapshot_create(&file).unwrap();
        let create = started.elapsed().as_secs_f64();
        let snapshot_bytes = std::fs::metadata(&file).map_or(0, |m| m.len());
        let started = Instant::now();
        let target = config(&root.join("imaged"), &url, &token);
        commons_core::snapshot::install(&target, &file, &url.parse().unwrap()).unwrap();
        let installed = started.elapsed().as_secs_f64();
        let imaged = Workstation::new(target);
        imaged.prepare(&mut |_| {}).unwrap();
        let opened = started.elapsed().as_secs_f64();
        let hits = imaged
            .search(&commons_core::search::SearchRequest {
                query: "ka".into(),
                limit: 20,
                ..Default::default()
            })
            .unwrap()
            .0
            .total;
        let ready = started.elapsed().as_secs_f64();
        assert!(hits > 0);
        assert_eq!(manifest.records as usize, records);
        (
            full,
            [fetch_only, apply_only, index_only],
            [installed, opened],
            create,
            ready,
            cache,
            index,
            snapshot_bytes,
        )
    })
    .join()
    .unwrap();
    let (
        full,
        [fetch_only, apply_only, index_only],
        [installed, opened],
        create,
        ready,
        cache,
        index,
        snapshot_bytes,
    ) = result;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!("records: {records}");
    println!(
        "first sync, end to end (HTTP gzip, apply, index): {full:.1} s, {:.0} records/s",
        records as f64 / full
    );
    println!(
        "same pages applied, no HTTP, no index: {apply_only:.1} s, {:.0} records/s (full sync is {:.2}x)",
        records as f64 / apply_only,
        full / apply_only
    );
    println!(
        "parts alone: pages fetched (HTTP, gzip, parsing) {fetch_only:.1} s; index built from the cache {index_only:.1} s"
    );
    println!(
        "snapshot: written in {create:.1} s, {:.0} MiB; a new workstation ready (install, open, first search) in {ready:.1} s ({:.1}x faster than the full sync)",
        mib(snapshot_bytes),
        full / ready
    );
    println!(
        "  of which: installed (checked, unpacked) {installed:.1} s, opened {:.1} s, first search {:.1} s",
        opened - installed,
        ready - opened
    );
    println!(
        "cache {:.0} MiB, index {:.0} MiB after the full sync",
        mib(cache),
        mib(index)
    );
}
