//! The fleet view: each workstation's sync ends with its version, cursor and last health
//! checks; `commons-hub workstations` shows who is behind, failing or not seen.

mod support;

use commons_core::doctor::Check;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_view_shows_who_is_behind_failing_or_gone() {
    let hub = support::hub().await;
    let silent = commons_hub::tokens::create(&hub.db, "IC-02 (never started)")
        .await
        .unwrap();
    let gone = commons_hub::tokens::create(&hub.db, "IC-03 (returned)")
        .await
        .unwrap();
    let _ = (silent, gone);
    let (url, token) = (format!("{}/", hub.url), hub.token.clone());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let ws = std::sync::Arc::new(
        tokio::task::spawn_blocking(move || {
            let ws = support::workstation(&root, &url, &token, &[]);
            ws.record_health(
                jiff::Timestamp::now(),
                vec![
                    Check {
                        name: "disk",
                        ok: false,
                        detail: "120 MiB free on /var/lib/commons".into(),
                    },
                    Check {
                        name: "cache",
                        ok: true,
                        detail: "ok".into(),
                    },
                ],
            );
            ws.sync_from(&ws.hub().unwrap().unwrap()).unwrap();
            ws
        })
        .await
        .unwrap(),
    );
    let fleet = commons_hub::fleet::list(&hub.db, 3).await.unwrap();
    let me = &fleet[0];
    assert_eq!(me.name, "IC-01");
    assert!(me.last_seen.is_some() && !me.stale, "{me:?}");
    assert_eq!(me.version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(me.lag, Some(0), "synced to the head of the feed");
    assert_eq!(me.failing.len(), 1);
    assert_eq!(me.failing[0].name, "disk");
    assert!(me.checked_at.is_some());
    assert!(
        fleet[1].stale && fleet[1].last_seen.is_none(),
        "never seen: {:?}",
        fleet[1]
    );

    // The hub moves on: the workstation is one change behind until its next sync.
    commons_hub::feed::set_consortium(&hub.db, "Lakeland Library Consortium", "湖区图书馆联盟")
        .await
        .unwrap();
    assert_eq!(
        commons_hub::fleet::list(&hub.db, 3).await.unwrap()[0].lag,
        Some(1)
    );
    let again = ws.clone();
    tokio::task::spawn_blocking(move || again.sync_from(&again.hub().unwrap().unwrap()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        commons_hub::fleet::list(&hub.db, 3).await.unwrap()[0].lag,
        Some(0)
    );

    // Not seen for ten days: stale; a revoked token is not flagged.
    let client = hub.db.pool.get().await.unwrap();
    client
        .execute(
            "UPDATE tokens SET last_seen_at = now() - interval '10 days' WHERE name = 'IC-01'",
            &[],
        )
        .await
        .unwrap();
    client
        .execute(
            "UPDATE tokens SET revoked_at = now() WHERE name LIKE 'IC-03%'",
            &[],
        )
        .await
        .unwrap();
    let fleet = commons_hub::fleet::list(&hub.db, 3).await.unwrap();
    assert!(fleet[0].stale);
    assert!(!commons_hub::fleet::list(&hub.db, 30).await.unwrap()[0].stale);
    assert!(fleet[2].revoked && !fleet[2].stale);

    // A report that breaks the bounds is refused.
    let (status, body) = hub
        .post(
            "/api/v1/workstation",
            &serde_json::json!({"version": "", "cursor": "1", "checks": []}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
}
