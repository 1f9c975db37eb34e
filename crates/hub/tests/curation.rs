//! Shared data librarians change from any workstation (the consortium's resource list, their
//! own hours and time off): a change goes to the hub first, as the librarian signed in there,
//! and reaches every other workstation through the feed; the hub checks the session and the
//! data, and keeps who did it.

use commons_core::disciplines::browse::ResourceFilter;
use commons_core::disciplines::curate::{CurateError, ResourceInput, SharedResource};
use serde_json::json;

mod support;
use support::hub;

/// An address where nothing answers (a port just given up).
fn unreachable_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/", l.local_addr().unwrap())
}

fn listed(ws: &commons_core::Workstation, query: &str) -> Vec<(String, Option<String>)> {
    ws.resources(&ResourceFilter {
        query: query.into(),
        ..ResourceFilter::default()
    })
    .unwrap()
    .into_iter()
    .map(|r| (r.id, r.url))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn librarians_curate_the_shared_list_from_any_workstation() {
    let hub = hub().await;
    hub.add_demo_librarian().await;
    let list: Vec<SharedResource> = serde_json::from_value(json!([
        {
            "id": "res-music-index", "kind": "database", "name": "Music Index",
            "description": "Articles on music.", "url": "https://music.example.org/",
            "access": "campus", "disciplines": [{ "id": "music", "best_bet": true }]
        },
        {
            "id": "res-old-atlas", "kind": "database", "name": "Old Atlas",
            "description": "Historical maps.", "url": "https://atlas.example.org/",
            "access": "open"
        }
    ]))
    .unwrap();
    commons_hub::feed::import_resources(&hub.db, &list)
        .await
        .unwrap();

    // The hub's own checks: a session is needed, and a usable resource.
    let put = |path: String, session: Option<String>, body: serde_json::Value| {
        let request = hub
            .http
            .put(format!("{}{path}", hub.url))
            .bearer_auth(&hub.token)
            .json(&body);
        let request = match session {
            Some(s) => request.header("x-commons-session", s),
            None => request,
        };
        async move {
            let r = request.send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let body = serde_json::to_value(&list[0]).unwrap();
    let (status, answer) = put(
        "/api/v1/resources/res-music-index".into(),
        None,
        body.clone(),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some("not_signed_in"))
    );
    let session = hub.demo_session().await;
    let mut bad = body.clone();
    bad["url"] = json!("javascript:alert(1)");
    let (status, answer) = put(
        "/api/v1/resources/res-music-index".into(),
        Some(session.clone()),
        bad,
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("javascript:"),
        "{answer}"
    );
    let (status, _) = put(
        "/api/v1/resources/another-id".into(),
        Some(session.clone()),
        body.clone(),
    )
    .await;
    assert_eq!(status, 400, "the id in the address and the body agree");
    let (status, answer) = put(
        "/api/v1/resources/res-music-index?new=true".into(),
        Some(session),
        body,
    )
    .await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("taken")));

    let (url, token) = (format!("{}/", hub.url), hub.token.clone());
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let paths: Vec<std::path::PathBuf> = dirs.iter().map(|d| d.path().to_owned()).collect();
    let offline = unreachable_url();
    tokio::task::spawn_blocking(move || {
        let a = support::workstation(&paths[0], &url, &token, &[]);
        let b = support::workstation(&paths[1], &url, &token, &[]);
        for ws in [&a, &b] {
            ws.sync_from(&ws.hub().unwrap().unwrap()).unwrap();
        }
        assert_eq!(
            listed(&b, "music index"),
            [(
                "res-music-index".into(),
                Some("https://music.example.org/".into())
            )]
        );

        // Not signed in at all: refused as before.
        let input = ResourceInput {
            kind: "database".into(),
            name: "Oxford Music Online".into(),
            description: "Grove Music and more.".into(),
            url: "https://oxfordmusic.example.org/".into(),
            access: "campus".into(),
            disciplines: vec![("music".into(), false)],
            ..ResourceInput::default()
        };
        assert!(matches!(
            a.save_resource(&input),
            Err(CurateError::NotSignedIn)
        ));

        // Signed in on A (and so on the hub): add, edit, retire.
        a.sign_in("librarian", "meridian-demo").unwrap();
        let added = a.save_resource(&input).unwrap();
        let mut edit = ResourceInput {
            id: Some("res-music-index".into()),
            kind: "database".into(),
            name: "Music Index".into(),
            description: "Articles on music, 1949 to now.".into(),
            url: "https://music-index.example.org/".into(),
            access: "campus".into(),
            disciplines: vec![("music".into(), true)],
            ..ResourceInput::default()
        };
        a.save_resource(&edit).unwrap();
        a.set_resource_retired("res-old-atlas", true).unwrap();
        // A problem this workstation sees is named per field and never leaves it.
        edit.url = "ftp://music.example.org/".into();
        assert!(matches!(
            a.save_resource(&edit),
            Err(CurateError::Invalid(_))
        ));

        // B takes all three from the feed.
        b.sync_from(&b.hub().unwrap().unwrap()).unwrap();
        assert_eq!(
            listed(&b, "oxford music"),
            [(
                added.clone(),
                Some("https://oxfordmusic.example.org/".into())
            )]
        );
        assert_eq!(
            listed(&b, "music index"),
            [(
                "res-music-index".into(),
                Some("https://music-index.example.org/".into())
            )]
        );
        assert!(listed(&b, "old atlas").is_empty(), "retired everywhere");
        // Any workstation shows the hub's history: who changed what, newest first.
        b.sign_in("librarian", "meridian-demo").unwrap();
        let history = b.resource_history("res-music-index").unwrap();
        let lines: Vec<(&str, &str)> = history
            .iter()
            .map(|l| (l.account.as_str(), l.action.as_str()))
            .collect();
        assert_eq!(
            lines,
            [("librarian", "edit"), ("resource list import", "add")]
        );
        assert!(
            history[0].detail.contains(
                r#"url: "https://music.example.org/" → "https://music-index.example.org/""#
            ),
            "{}",
            history[0].detail
        );
        assert!(
            !history[0].detail.contains("name:"),
            "{}",
            history[0].detail
        );

        // A workstation that cannot reach the hub changes nothing, even with a librarian
        // signed in on its own account.
        let c = support::workstation(&paths[2], &offline, "any-token", &[]);
        c.create_account("desk", "Desk", "quiet-harbour-lantern-41", None)
            .unwrap();
        c.sign_in("desk", "quiet-harbour-lantern-41").unwrap();
        assert!(matches!(
            c.save_resource(&input),
            Err(CurateError::HubSignIn)
        ));
        assert!(listed(&c, "oxford music").is_empty());
    })
    .await
    .unwrap();

    // The hub keeps who did what.
    let client = hub.db.pool.get().await.unwrap();
    let audit: Vec<(String, String, String)> = client
        .query(
            "SELECT resource_id, username, action FROM resource_audit ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let who = |id: &str, action: &str| (id.to_owned(), "librarian".to_owned(), action.to_owned());
    // Two lines from the import, then the librarian's three changes.
    assert_eq!(audit.len(), 5, "{audit:?}");
    assert_eq!(audit[3], who("res-music-index", "save"));
    assert_eq!(audit[4], who("res-old-atlas", "retire"));
    drop(dirs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hours_time_off_and_types_set_at_one_desk_are_offered_on_every_workstation() {
    let hub = hub().await;
    hub.import_roster(&support::demo_roster()).await;
    hub.add_demo_librarian().await;
    // The hub's own check of a schedule.
    let session = hub.demo_session().await;
    let r = hub
        .http
        .put(format!("{}/api/v1/desk/schedule", hub.url))
        .bearer_auth(&hub.token)
        .header("x-commons-session", session)
        .json(&json!({"hours": [[8, "10:00", "09:00"]], "exceptions": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);

    let (url, token) = (format!("{}/", hub.url), hub.token.clone());
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let paths: Vec<std::path::PathBuf> = dirs.iter().map(|d| d.path().to_owned()).collect();
    let offline = unreachable_url();
    tokio::task::spawn_blocking(move || {
        let a = support::joined(&paths[0], &url, &token, &[]);
        let b = support::joined(&paths[1], &url, &token, &[]);
        // C synced before any change; its hub then moves out of reach.
        drop(support::joined(&paths[2], &url, &token, &[]));
        let ty = a.consultation_types().unwrap()[0].id.clone();
        let slots = |ws: &commons_core::Workstation| ws.free_slots("lib-okafor", &ty).unwrap();
        let before = slots(&a);
        assert!(!before.is_empty());
        assert_eq!(slots(&b), before);

        // At A's desk: Wednesday mornings only, and the first Wednesday off.
        a.sign_in("librarian", "meridian-demo").unwrap();
        a.set_desk_hours(&[(3, "09:00".into(), "11:00".into())])
            .unwrap();
        let wednesday_a = slots(&a);
        assert!(!wednesday_a.is_empty() && wednesday_a != before);
        let tz = jiff::tz::TimeZone::get(&a.desk_profile().unwrap().time_zone).unwrap();
        let first = wednesday_a[0].starts.to_zoned(tz.clone()).date();
        a.add_desk_exception(&first.to_string(), None, "Conference")
            .unwrap();
        let after = slots(&a);
        assert!(after.iter().all(|s| {
            let z = s.starts.to_zoned(tz.clone());
            z.weekday() == jiff::civil::Weekday::Wednesday && z.date() != first && z.hour() < 11
        }));

        // B offers exactly what A does after its next sync.
        b.sync_from(&b.hub().unwrap().unwrap()).unwrap();
        assert_eq!(slots(&b), after);

        // Time off removed at A's desk: the first Wednesday is offered again everywhere.
        let off = a.desk_exceptions().unwrap();
        assert_eq!(off.len(), 1);
        a.remove_desk_exception(off[0].id).unwrap();
        b.sync_from(&b.hub().unwrap().unwrap()).unwrap();
        assert_eq!(slots(&b), wednesday_a);

        // A consultation type changed at A's desk is the one every workstation offers.
        let current = a
            .consultation_types()
            .unwrap()
            .into_iter()
            .find(|t| t.id == ty)
            .unwrap();
        let form = commons_core::bookings::TypeForm {
            id: Some(ty.clone()),
            name: current.name.clone(),
            name_zh: current.name_zh.clone(),
            minutes: 45,
            buffer_before: current.rules.buffer_before,
            buffer_after: current.rules.buffer_after,
            min_notice_minutes: current.rules.min_notice_minutes,
            window_days: current.rules.window_days,
            cancel_cutoff_minutes: current.cancel_cutoff_minutes,
            capacity: current.rules.capacity,
        };
        assert_eq!(a.save_consultation_type(&form).unwrap(), ty);
        let new_type = a
            .save_consultation_type(&commons_core::bookings::TypeForm {
                id: None,
                name: "Thesis clinic".into(),
                name_zh: "论文诊所".into(),
                ..form.clone()
            })
            .unwrap();
        b.sync_from(&b.hub().unwrap().unwrap()).unwrap();
        let on_b = b.consultation_types().unwrap();
        assert_eq!(on_b.iter().find(|t| t.id == ty).unwrap().rules.minutes, 45);
        assert!(
            on_b.iter()
                .any(|t| t.id == new_type && t.name == "Thesis clinic")
        );
        assert_eq!(slots(&b), slots(&a));

        // A workstation that cannot reach the hub changes nothing, even with a librarian
        // signed in on its own account.
        let c = support::workstation(&paths[2], &offline, "any-token", &[]);
        c.create_account(
            "desk",
            "Desk",
            "quiet-harbour-lantern-41",
            Some("lib-okafor"),
        )
        .unwrap();
        c.sign_in("desk", "quiet-harbour-lantern-41").unwrap();
        assert!(matches!(
            c.set_desk_hours(&[(1, "09:00".into(), "10:00".into())]),
            Err(commons_core::bookings::BookingError::DeskSignIn)
        ));
        assert!(matches!(
            c.save_consultation_type(&form),
            Err(commons_core::bookings::BookingError::DeskSignIn)
        ));
        assert_eq!(slots(&c), before);
    })
    .await
    .unwrap();
    let client = hub.db.pool.get().await.unwrap();
    let by: String = client
        .query_one(
            "SELECT updated_by FROM schedules WHERE librarian_id = 'lib-okafor'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(by, "librarian");
    drop(dirs);
}
