//! Imaging a room from a snapshot: a synced workstation writes its cache and index as one
//! file; a new workstation starts from it and its first sync asks only for what changed
//! after; a damaged snapshot, one of another hub or of a newer Commons is refused with the
//! reason and nothing of the workstation is touched.

mod support;

use std::path::Path;

use commons_catalogue::record::{Description, Format};
use commons_catalogue::union::UnionRecord;
use commons_core::snapshot::{self, SnapshotError};
use commons_core::{Config, Workstation};
use commons_protocol::ChangeBody;

async fn add_records(hub: &support::Hub, from: usize, n: usize) {
    let mut client = hub.db.pool.get().await.unwrap();
    let tx = client.transaction().await.unwrap();
    for i in from..from + n {
        let id = format!("hub:{i}");
        let record = UnionRecord {
            id: id.clone(),
            format: Format::Book,
            description: Description {
                title: format!("Snapshot record {i}"),
                ..Description::default()
            },
            holdings: vec![],
            sources: vec![],
        };
        commons_hub::feed::emit(&tx, &id, &ChangeBody::Record(Box::new(record)))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

fn config(root: &Path, url: &str, token: &str) -> Config {
    support::config(root, url, token, &[])
}

fn found(ws: &Workstation) -> u64 {
    ws.search(&commons_core::search::SearchRequest {
        query: "snapshot record".into(),
        limit: 5,
        ..Default::default()
    })
    .unwrap()
    .0
    .total
}

/// Nothing of the workstation at `root` but what was there before.
fn untouched(root: &Path) -> Vec<String> {
    let data = root.join("data");
    let mut names: Vec<String> = std::fs::read_dir(&data)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_starts_from_one_snapshot_and_syncs_only_what_came_after() {
    let hub = support::hub().await;
    add_records(&hub, 1, 40).await;
    let (url, token) = (format!("{}/", hub.url), hub.token.clone());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let file = root.join("room.snapshot");
    let (url2, token2, root2, file2) = (url.clone(), token.clone(), root.clone(), file.clone());
    let manifest = tokio::task::spawn_blocking(move || {
        let unsynced = support::workstation(&root2.join("fresh"), &url2, &token2, &[]);
        assert!(matches!(
            unsynced.snapshot_create(&root2.join("x.snapshot")),
            Err(SnapshotError::NotSynced)
        ));
        let first = support::joined(&root2.join("first"), &url2, &token2, &[]);
        assert_eq!(found(&first), 40);
        // This workstation's own usage counts stay with it.
        first.count(commons_core::workstation::UsageEvent::Search {
            text: "nothing like this",
            found: 0,
            discipline: None,
        });
        first.snapshot_create(&file2).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(manifest.records, 40);
    assert_eq!(manifest.hub, url);
    add_records(&hub, 41, 5).await;

    let (url2, token2, root2, file2) = (url.clone(), token.clone(), root.clone(), file.clone());
    tokio::task::spawn_blocking(move || {
        let hub_url: url::Url = url2.parse().unwrap();
        // Refused, with the reason, and nothing written.
        let target = root2.join("new");
        let bytes = std::fs::read(&file2).unwrap();
        let variant = |name: &str, content: &[u8]| {
            let p = root2.join(name);
            std::fs::write(&p, content).unwrap();
            p
        };
        let mut flipped = bytes.clone();
        let middle = flipped.len() - flipped.len() / 3;
        flipped[middle] ^= 0x55;
        let cut = &bytes[..bytes.len() * 2 / 3];
        let header_end = bytes.iter().skip(17).position(|&b| b == b'\n').unwrap() + 18;
        let manifest_line = std::str::from_utf8(&bytes[17..header_end]).unwrap();
        let newer = [
            &bytes[..17],
            manifest_line
                .replacen("\"schema\":", "\"schema\":9", 1)
                .as_bytes(),
            &bytes[header_end..],
        ]
        .concat();
        let cases: Vec<(std::path::PathBuf, url::Url, &str)> = vec![
            (variant("flipped", &flipped), hub_url.clone(), "damaged"),
            (variant("cut", cut), hub_url.clone(), "damaged"),
            (variant("newer", &newer), hub_url.clone(), "newer Commons"),
            (
                variant("text", b"not a snapshot at all"),
                hub_url.clone(),
                "not a Commons snapshot",
            ),
            (
                file2.clone(),
                "https://other-hub.example/".parse().unwrap(),
                "made from the hub",
            ),
        ];
        for (path, hub, why) in cases {
            let e = snapshot::install(&config(&target, &url2, &token2), &path, &hub).unwrap_err();
            assert!(e.to_string().contains(why), "{}: {e}", path.display());
            assert!(
                untouched(&target)
                    .iter()
                    .all(|n| !n.starts_with(".snapshot")),
                "{:?}",
                untouched(&target)
            );
            assert!(!target.join("data/commons.db").exists(), "nothing written");
        }

        // The good one: the workstation starts from it, searchable before any sync, and
        // its first sync brings only the five records added since.
        let m = snapshot::install(&config(&target, &url2, &token2), &file2, &hub_url).unwrap();
        assert_eq!(m.records, 40);
        let ws = Workstation::new(config(&target, &url2, &token2));
        ws.prepare(&mut |_| {}).unwrap();
        assert_eq!(found(&ws), 40, "searchable from the snapshot alone");
        let own: i64 = ws
            .with_store(|s| {
                s.conn()
                    .query_row(
                        "SELECT (SELECT count(*) FROM usage_counts)
                              + (SELECT count(*) FROM usage_empty_searches)
                              + (SELECT count(*) FROM bookings)",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(|e| s.err(e))
            })
            .unwrap();
        assert_eq!(own, 0, "nothing of the first workstation's own");
        let report = ws.sync_from(&ws.hub().unwrap().unwrap()).unwrap();
        assert_eq!(
            report.records, 5,
            "only what came after the snapshot: {report:?}"
        );
        assert_eq!(found(&ws), 45);

        // A damaged snapshot over a working workstation leaves it working.
        let e = snapshot::install(
            &config(&target, &url2, &token2),
            &root2.join("flipped"),
            &hub_url,
        )
        .unwrap_err();
        assert!(matches!(e, SnapshotError::Damaged(_)), "{e}");
        drop(ws);
        let again = Workstation::new(config(&target, &url2, &token2));
        again.prepare(&mut |_| {}).unwrap();
        assert_eq!(found(&again), 45);
    })
    .await
    .unwrap();
}
