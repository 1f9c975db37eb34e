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
