//! The consortium's name comes from the hub: set once, shown on every workstation's home
//! screen after its next sync.

mod support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consortium_s_name_reaches_every_workstation() {
    let hub = support::hub().await;
    assert!(
        commons_hub::feed::set_consortium(&hub.db, " ", "湖区")
            .await
            .is_err(),
        "an empty name is refused"
    );
    commons_hub::feed::set_consortium(&hub.db, "Lakeland Library Consortium", "湖区图书馆联盟")
        .await
        .unwrap();
    let (url, token) = (format!("{}/", hub.url), hub.token.clone());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let overview = tokio::task::spawn_blocking(move || {
        let ws = support::workstation(&root, &url, &token, &[]);
        let hub = ws.hub().unwrap().unwrap();
        ws.sync_from(&hub).unwrap();
        ws.overview().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        (overview.name.as_str(), overview.name_zh.as_str()),
        ("Lakeland Library Consortium", "湖区图书馆联盟")
    );
}

/// Pages of the feed go gzip-compressed to a client that accepts it, and say so; the same
/// page otherwise. Workstations ask for it, so every sync in these tests reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_pages_are_compressed_for_those_who_accept_it() {
    use std::io::Read as _;
    let hub = support::hub().await;
    commons_hub::feed::import_resources(
        &hub.db,
        &serde_json::from_str::<Vec<commons_protocol::resources::SharedResource>>(include_str!(
            "../../../assets/demo/resources.json"
        ))
        .unwrap(),
    )
    .await
    .unwrap();
    let get = |encoding: Option<&'static str>| {
        let mut r = hub
            .http
            .get(format!("{}/api/v1/changes?since=&limit=500", hub.url))
            .bearer_auth(&hub.token);
        if let Some(e) = encoding {
            r = r.header("Accept-Encoding", e);
        }
        r.send()
    };
    let plain = get(None).await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    for refused in ["identity", "gzip;q=0", "br"] {
        let r = get(Some(refused)).await.unwrap();
        assert!(r.headers().get("content-encoding").is_none(), "{refused}");
    }
    let r = get(Some("br, gzip;q=0.8")).await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let packed = r.bytes().await.unwrap();
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&packed[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&unpacked).unwrap(),
        serde_json::from_slice::<serde_json::Value>(&plain).unwrap()
    );
    assert!(
        packed.len() * 3 < plain.len(),
        "{} bytes for {}",
        packed.len(),
        plain.len()
    );
}
