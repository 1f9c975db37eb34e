//! Bookings on the hub against a real PostgreSQL, over HTTP as workstations send them: one
//! slot wanted by 200 at once, a random load of overlapping requests, retries with the same
//! idempotency key, group sessions, cancellations.

use commons_hub::bookings;
use serde_json::{Value, json};

mod support;
use support::{booking_request as request, days_ahead, hub, open_roster, open_type};

/// The roster the requests below are made against: librarians open all day in UTC, with a
/// 30-minute type, an hour-long one and a group session of three (10 minutes after each).
async fn open_hub(librarians: &[&str]) -> support::Hub {
    let hub = hub().await;
    hub.import_roster(&open_roster(
        librarians,
        json!([
            open_type("research", 30, 10, 1),
            open_type("long", 60, 10, 1),
            open_type("workshop", 60, 10, 3),
        ]),
    ))
    .await;
    hub
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_attempts_for_one_slot_give_one_booking() {
    let hub = std::sync::Arc::new(open_hub(&["lib-okafor"]).await);
    let attempts: Vec<_> = (0..200)
        .map(|i| {
            let hub = hub.clone();
            tokio::spawn(async move {
                hub.post(
                    "/api/v1/bookings",
                    &request(&format!("k{i}"), "lib-okafor", &days_ahead(1, "10:00"), 30),
                )
                .await
            })
        })
        .collect();
    let mut created = 0;
    let mut taken = 0;
    for a in attempts {
        match a.await.unwrap() {
            (201, body) => {
                created += 1;
                assert_eq!(body["code"].as_str().unwrap().len(), 8);
            }
            (409, body) => {
                assert_eq!(body["code"], "slot_taken", "{body}");
                taken += 1;
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!((created, taken), (1, 199));
    assert_eq!(bookings::overlaps(&hub.db).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_random_load_of_overlapping_requests_never_overlaps() {
    let hub = std::sync::Arc::new(open_hub(&["lib-0", "lib-1", "lib-2"]).await);
    let morning: jiff::Timestamp = days_ahead(1, "08:00").parse().unwrap();
    // 400 requests over 3 librarians and one morning in 15-minute steps, 30 or 60 minutes
    // long with a 10-minute buffer: most collide.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let requests: Vec<Value> = (0..400)
        .map(|i| {
            let librarian = format!("lib-{}", next() % 3);
            let start =
                (morning + jiff::SignedDuration::from_secs(900 * (next() % 16) as i64)).to_string();
            request(
                &format!("r{i}"),
                &librarian,
                &start,
                if next() % 2 == 0 { 30 } else { 60 },
            )
        })
        .collect();
    let mut tasks = Vec::new();
    for chunk in requests.chunks(25) {
        let hub = hub.clone();
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for r in &chunk {
                statuses.push(hub.post("/api/v1/bookings", r).await.0);
            }
            statuses
        }));
    }
    let mut created = 0;
    for t in tasks {
        for status in t.await.unwrap() {
            assert!(status == 201 || status == 409, "{status}");
            created += usize::from(status == 201);
        }
    }
    assert!(created > 3 && created < 100, "{created} booked");
    assert_eq!(bookings::overlaps(&hub.db).await.unwrap(), 0);
    // And the database refuses an overlap even when asked directly, past any application.
    let client = hub.db.pool.get().await.unwrap();
    let e = client
        .execute(
            "INSERT INTO bookings(code, idempotency_key, librarian_id, type_id, session, seat, capacity, starts_at, ends_at, busy, topic)
             SELECT 'DIRECT01', 'direct', librarian_id, 'other', 'other', 1, 1, starts_at, ends_at, busy, 'x'
             FROM bookings WHERE status = 'booked' LIMIT 1",
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::EXCLUSION_VIOLATION)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_groups_cancellations_and_bad_requests() {
    let hub = open_hub(&["lib-a", "lib-g", "lib-w"]).await;
    // The same request sent twice (a retry after a timeout): one booking, the same code.
    let r = request("once", "lib-a", &days_ahead(2, "09:00"), 30);
    let (s1, b1) = hub.post("/api/v1/bookings", &r).await;
    let (s2, b2) = hub.post("/api/v1/bookings", &r).await;
    assert_eq!((s1, s2), (201, 200), "{b1} {b2}");
    assert_eq!(b1["code"], b2["code"]);
    // The key reused for another time is refused.
    let (s, body) = hub
        .post(
            "/api/v1/bookings",
            &request("once", "lib-a", &days_ahead(2, "11:00"), 30),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );

    // The buffer after counts: 09:30 + 10 minutes is still busy; 09:40 is free.
    let (s, _) = hub
        .post(
            "/api/v1/bookings",
            &request("b", "lib-a", &days_ahead(2, "09:35"), 30),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = hub
        .post(
            "/api/v1/bookings",
            &request("c", "lib-a", &days_ahead(2, "09:40"), 30),
        )
        .await;
    assert_eq!(s, 201);

    // Cancelling takes the code and the student's email: the code alone (which anyone at
    // the kiosk may have seen) or another email cancels nothing.
    let code = b1["code"].as_str().unwrap().to_ascii_lowercase();
    let cancel = |body: Value| {
        let path = format!("/api/v1/bookings/{code}/cancel");
        let hub = &hub;
        async move { hub.post(&path, &body).await }
    };
    let (s, body) = cancel(json!({})).await;
    assert_eq!((s, body["code"].as_str()), (400, Some("invalid")), "{body}");
    let (s, body) = cancel(json!({"email": "someone.else@example.org"})).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    // The code is read in any case, the email without case.
    let (s, body) = cancel(json!({"email": "ADA@example.org"})).await;
    assert_eq!((s, body["status"].as_str()), (200, Some("cancelled")));
    let (s, _) = cancel(json!({"email": "ada@example.org"})).await;
    assert_eq!(s, 404, "a cancelled booking cannot be cancelled again");
    let (s, _) = hub
        .post(
            "/api/v1/bookings",
            &request("d", "lib-a", &days_ahead(2, "09:00"), 30),
        )
        .await;
    assert_eq!(s, 201);

    // A group session of three: three seats, then full; another session over it is refused.
    let group = |key: &str| {
        let mut r = request(key, "lib-g", &days_ahead(3, "14:00"), 60);
        r["type_id"] = json!("workshop");
        r["capacity"] = json!(3);
        r
    };
    for key in ["g1", "g2", "g3"] {
        assert_eq!(hub.post("/api/v1/bookings", &group(key)).await.0, 201);
    }
    let (s, body) = hub.post("/api/v1/bookings", &group("g4")).await;
    assert_eq!((s, body["code"].as_str()), (409, Some("session_full")));
    let (s, body) = hub
        .post(
            "/api/v1/bookings",
            &request("g5", "lib-g", &days_ahead(3, "14:30"), 30),
        )
        .await;
    assert_eq!((s, body["code"].as_str()), (409, Some("slot_taken")));

    // The code a workstation already gave the student is kept; one in use is replaced.
    let mut r = request("w1", "lib-w", &days_ahead(4, "10:00"), 30);
    r["code"] = json!("abcd-2345");
    let (s, body) = hub.post("/api/v1/bookings", &r).await;
    assert_eq!((s, body["code"].as_str()), (201, Some("ABCD2345")));
    let mut r = request("w2", "lib-w", &days_ahead(4, "11:00"), 30);
    r["code"] = json!("ABCD2345");
    let (s, body) = hub.post("/api/v1/bookings", &r).await;
    assert_eq!(s, 201);
    assert_ne!(body["code"].as_str(), Some("ABCD2345"));

    // Bad requests are told why; no token, no booking.
    let mut bad = request("e", "lib-a", &days_ahead(2, "12:00"), 30);
    bad["ends_at"] = bad["starts_at"].clone();
    let (s, body) = hub.post("/api/v1/bookings", &bad).await;
    assert_eq!((s, body["code"].as_str()), (400, Some("invalid")));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("ends after it starts")
    );
    let (s, body) = hub.post("/api/v1/bookings", &json!({"topic": 3})).await;
    assert_eq!((s, body["code"].as_str()), (400, Some("invalid")));
    let r = hub
        .http
        .post(format!("{}/api/v1/bookings", hub.url))
        .json(&request("f", "lib-a", &days_ahead(2, "13:00"), 30))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // Workstations learn of bookings through the feed, without personal data.
    let page = commons_hub::feed::changes(&hub.db, commons_hub::feed::Cursor(0), 100)
        .await
        .unwrap();
    let booking_changes: Vec<_> = page
        .changes
        .iter()
        .filter(|c| c.kind == "booking")
        .collect();
    assert!(booking_changes.len() >= 7);
    let text = serde_json::to_string(&booking_changes).unwrap();
    assert!(!text.contains("ada@example.org") && !text.contains("Ada"));
    assert!(
        text.contains(&format!("\"busy_to\":\"{}\"", days_ahead(2, "09:40"))),
        "{text}"
    );
    // Nor the codes: every change is keyed busy:N and decodes as a busy time.
    let client = hub.db.pool.get().await.unwrap();
    let codes: Vec<String> = client
        .query("SELECT code FROM bookings", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!codes.is_empty());
    for code in &codes {
        assert!(!text.contains(code.as_str()), "{code} in {text}");
    }
    for c in &booking_changes {
        assert!(
            matches!(
                c.decode(),
                Ok(commons_protocol::feed::ChangeBody::Booking(_))
            ),
            "{c:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workstations_book_through_the_hub_and_keep_an_outbox_while_it_is_away() {
    let hub = hub().await;
    hub.import_roster(&support::demo_roster()).await;
    // A port nobody listens on yet: the third workstation's hub, down until the end.
    let later = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let later_addr = later.local_addr().unwrap();
    drop(later);
    let token = hub.token.clone();
    let url = hub.url.clone();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let paths: Vec<std::path::PathBuf> = dirs.iter().map(|d| d.path().to_owned()).collect();
    let db = hub.db.clone();
    let later_url = format!("http://{later_addr}/");
    let outcome = tokio::task::spawn_blocking(move || {
        // A workstation with its own cache, joined to the hub and synced from it (the
        // roster of the demo consortium).
        let make = |dir: &std::path::Path, url: &str| {
            support::joined(dir, url, &token, &[("COMMONS_HUB_TIMEOUT_SECS", "3")])
        };
        let a = make(&paths[0], &format!("{url}/"));
        let b = make(&paths[1], &format!("{url}/"));
        // C synced once, and its hub then moved where nobody answers yet.
        drop(make(&paths[2], &format!("{url}/")));
        let c = support::workstation(
            &paths[2],
            &later_url,
            &token,
            &[("COMMONS_HUB_TIMEOUT_SECS", "3")],
        );
        let librarian = a.booking_librarians(None).unwrap()[0].id.clone();
        let ty = a.consultation_types().unwrap()[0].id.clone();
        let slot = a.free_slots(&librarian, &ty).unwrap()[0];
        let request = |name: &str, starts| commons_core::bookings::Request {
            librarian_id: librarian.clone(),
            type_id: ty.clone(),
            starts: Some(starts),
            name: name.into(),
            email: format!("{}@example.org", name.to_lowercase()),
            topic: "Literature search".into(),
            discipline_id: None,
            description: String::new(),
        };
        // A books: the hub accepts at once.
        let made = a.book(&request("Ada", slot.starts)).unwrap();
        assert_eq!(made.hub_state.as_deref(), Some("confirmed"));
        // B has not synced yet and wants the same time: the hub refuses, B learns what is
        // booked and offers the nearest free times, which do not include it.
        let Err(commons_core::bookings::BookingError::SlotTaken { nearest }) =
            b.book(&request("Ben", slot.starts))
        else {
            panic!("B booked a taken time")
        };
        assert!(!nearest.is_empty() && nearest.iter().all(|s| s.starts != slot.starts));
        assert!(
            b.free_slots(&librarian, &ty)
                .unwrap()
                .iter()
                .all(|s| s.starts != slot.starts)
        );
        // C's hub is away: the booking waits in the outbox, shown as pending.
        let second = a.free_slots(&librarian, &ty).unwrap()[0];
        let pending = c.book(&request("Cy", second.starts)).unwrap();
        assert_eq!(pending.hub_state.as_deref(), Some("pending"));
        (made.code, pending.code, second.starts, c, later_url)
    })
    .await
    .unwrap();
    let (first_code, pending_code, second_starts, c, _) = outcome;

    // The hub comes back where C expects it: the next sync sends the outbox exactly once.
    let listener = tokio::net::TcpListener::bind(later_addr).await.unwrap();
    let served = db.clone();
    tokio::spawn(async move { axum::serve(listener, commons_hub::server::router(served)).await });
    let c = tokio::task::spawn_blocking(move || {
        let hub = c.hub().unwrap().unwrap();
        c.sync_from(&hub).unwrap();
        c.sync_from(&hub).unwrap();
        c
    })
    .await
    .unwrap();
    let client = hub.db.pool.get().await.unwrap();
    let rows: Vec<(String, String)> = client
        .query(
            "SELECT code, to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM bookings WHERE status = 'booked' ORDER BY starts_at",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, first_code.replace('-', ""));
    assert_eq!(rows[1].1, second_starts.to_string());
    let confirmed = tokio::task::spawn_blocking(move || c.bookings(&[pending_code]).unwrap())
        .await
        .unwrap();
    assert_eq!(confirmed[0].hub_state.as_deref(), Some("confirmed"));
    assert_eq!(bookings::overlaps(&hub.db).await.unwrap(), 0);
    drop(dirs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_librarian_runs_the_desk_on_any_workstation_through_the_hub() {
    let hub = hub().await;
    hub.import_roster(&support::demo_roster()).await;
    hub.add_demo_librarian().await;
    // The hub's own checks: no session, no desk; a wrong password, no session.
    let r = hub
        .http
        .get(format!(
            "{}/api/v1/desk?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z",
            hub.url
        ))
        .bearer_auth(&hub.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let (s, body) = hub
        .post(
            "/api/v1/sessions",
            &json!({"username": "librarian", "password": "wrong password"}),
        )
        .await;
    assert_eq!((s, body["code"].as_str()), (401, Some("wrong_credentials")));

    let (url, token) = (hub.url.clone(), hub.token.clone());
    let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let paths: Vec<std::path::PathBuf> = dirs.iter().map(|d| d.path().to_owned()).collect();
    let code = tokio::task::spawn_blocking(move || {
        let make = |dir: &std::path::Path| support::joined(dir, &format!("{url}/"), &token, &[]);
        let student_side = make(&paths[0]);
        let desk_side = make(&paths[1]);
        // A student books on one workstation.
        let ty = student_side.consultation_types().unwrap()[0].id.clone();
        let slot = student_side.free_slots("lib-okafor", &ty).unwrap()[0];
        let made = student_side
            .book(&commons_core::bookings::Request {
                librarian_id: "lib-okafor".into(),
                type_id: ty,
                starts: Some(slot.starts),
                name: "Ada Student".into(),
                email: "ada@example.org".into(),
                topic: "Archives".into(),
                discipline_id: None,
                description: "Letters of 1890".into(),
            })
            .unwrap();
        assert_eq!(made.hub_state.as_deref(), Some("confirmed"));
        // Once the hub holds it, this shared PC keeps nothing of the student.
        let kept = student_side.bookings(std::slice::from_ref(&made.code)).unwrap();
        assert_eq!(
            (kept[0].name.as_deref(), kept[0].email.as_deref(), kept[0].description.as_deref()),
            (None, None, None)
        );
        // Cancelling takes the email the student gives: none, or another, cancels nothing.
        let ty2 = student_side.consultation_types().unwrap()[0].id.clone();
        let later = student_side.free_slots("lib-okafor", &ty2).unwrap()[3];
        let other = student_side
            .book(&commons_core::bookings::Request {
                librarian_id: "lib-okafor".into(),
                type_id: ty2,
                starts: Some(later.starts),
                name: "Ada Student".into(),
                email: "ada@example.org".into(),
                topic: "Maps".into(),
                discipline_id: None,
                description: String::new(),
            })
            .unwrap();
        assert!(matches!(
            student_side.cancel_booking(&other.code, None),
            Err(commons_core::bookings::BookingError::Invalid(_))
        ));
        assert!(matches!(
            student_side.cancel_booking(&other.code, Some("someone@example.org")),
            Err(commons_core::bookings::BookingError::UnknownCode(_))
        ));
        let cancelled = student_side
            .cancel_booking(&other.code, Some("ADA@example.org"))
            .unwrap();
        assert_eq!(cancelled.status, "cancelled");
        // The librarian signs in on another: the booking is at her desk, personal data and all.
        desk_side.sign_in("librarian", "meridian-demo").unwrap();
        let day = slot
            .starts
            .to_zoned(
                jiff::tz::TimeZone::get(&desk_side.desk_profile().unwrap().time_zone).unwrap(),
            )
            .date();
        let queue = desk_side.desk_queue(Some(day)).unwrap();
        let b = queue
            .iter()
            .find(|b| b.code == made.code)
            .expect("the booking made elsewhere");
        assert_eq!(b.name.as_deref(), Some("Ada Student"));
        assert_eq!(b.description.as_deref(), Some("Letters of 1890"));
        // Check-in and completion go to the hub.
        let checked = desk_side
            .desk_action(&made.code, &commons_core::bookings::DeskAction::CheckIn)
            .unwrap();
        assert_eq!(checked.status, "checked_in");
        let done = desk_side
            .desk_action(
                &made.code,
                &commons_core::bookings::DeskAction::Complete {
                    read_level: 4,
                    outcome: "Found the letters".into(),
                },
            )
            .unwrap();
        assert_eq!(done.status, "completed");
        // The hub refusing an action (the booking is completed) is said as such, never as
        // the hub out of reach.
        let again = desk_side.desk_action(&made.code, &commons_core::bookings::DeskAction::NoShow);
        assert!(
            matches!(
                again,
                Err(commons_core::bookings::BookingError::WrongState(ref s)) if s.contains("completed")
            ),
            "{again:?}"
        );
        // Her calendar feed: an address calendar programs subscribe to, without a token.
        let feed = desk_side.new_calendar_feed().unwrap();
        commons_core::sync::install_tls_provider();
        let ics = reqwest::blocking::get(&feed).unwrap().text().unwrap();
        assert!(ics.starts_with("BEGIN:VCALENDAR"), "{ics}");
        assert!(
            ics.contains("SUMMARY:Consultation: Archives (Ada Student)"),
            "{ics}"
        );
        // The booking's code never: whoever holds it could cancel with it.
        assert!(!ics.contains(&made.code), "{ics}");
        let code = commons_protocol::BookingCode::parse(&made.code).unwrap();
        assert!(ics.contains(&commons_protocol::calendar::uid_of(&code)), "{ics}");
        assert!(!ics.contains("ada@example.org"));
        // A new address ends the old one.
        let again = desk_side.new_calendar_feed().unwrap();
        assert_ne!(again, feed);
        assert_eq!(
            reqwest::blocking::get(&feed).unwrap().status().as_u16(),
            404
        );
        desk_side.sign_out();
        assert!(matches!(
            desk_side.new_calendar_feed(),
            Err(commons_core::bookings::BookingError::NotSignedIn)
        ));
        made.code
    })
    .await
    .unwrap();
    let client = hub.db.pool.get().await.unwrap();
    let row = client
        .query_one(
            "SELECT status, read_level, outcome FROM bookings WHERE code = $1",
            &[&code.replace('-', "")],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "completed");
    assert_eq!(row.get::<_, Option<i32>>(1), Some(4));
    assert_eq!(
        row.get::<_, Option<String>>(2).as_deref(),
        Some("Found the letters")
    );
    // Signing out ended the hub session.
    let sessions: i64 = client
        .query_one("SELECT count(*) FROM librarian_sessions", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(sessions, 0);
    drop(dirs);
}

/// The hub checks a booking against its roster, whatever the workstation sends: the
/// librarian and type exist, the time is one of her hours and not her time off, the notice
/// and window hold; a student cancels only up to the cutoff. Each refusal has its code, and
/// nothing of a student or a code reaches the feed, whatever the kind of change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_refuses_what_the_roster_does_not_allow() {
    let hub = hub().await;
    let roster = |librarians: Value| -> commons_hub::roster::Roster {
        serde_json::from_value(json!({
            "libraries": [{"id": "north", "name": "North Library", "name_zh": "北区图书馆",
                           "time_zone": "Europe/Berlin"}],
            "librarians": librarians,
            "consultation_types": [
                {"id": "research", "name": "Research", "name_zh": "研究", "minutes": 30,
                 "buffer_before": 0, "buffer_after": 10, "min_notice_minutes": 120,
                 "window_days": 21, "cancel_cutoff_minutes": 0, "capacity": 1},
                {"id": "firm", "name": "Firm", "name_zh": "固定", "minutes": 30,
                 "buffer_before": 0, "buffer_after": 0, "min_notice_minutes": 0,
                 "window_days": 21, "cancel_cutoff_minutes": 20160, "capacity": 1},
            ],
        }))
        .unwrap()
    };
    hub.import_roster(&roster(json!([{
        "id": "lib-okafor", "name": "Adaeze Okafor", "library": "north",
        "languages": ["en"], "disciplines": ["world-history"],
        "hours": [{"weekday": 1, "starts": "10:00", "ends": "12:00"}],
    }])))
    .await;
    hub.add_demo_librarian().await;
    let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    let today = jiff::Timestamp::now().to_zoned(tz.clone()).date();
    let monday = today.nth_weekday(1, jiff::civil::Weekday::Monday).unwrap();
    let away = monday.checked_add(jiff::Span::new().days(7)).unwrap();
    // Her time off, set at her desk: the Monday after next.
    let session = hub.demo_session().await;
    let r = hub
        .http
        .put(format!("{}/api/v1/desk/schedule", hub.url))
        .bearer_auth(&hub.token)
        .header("x-commons-session", &session)
        .json(&json!({"hours": [[1, "10:00", "12:00"]],
                      "exceptions": [{"date": away.to_string(), "reason": "Conference"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204, "{:?}", r.text().await);

    let at = |date: jiff::civil::Date, h: i8, m: i8| {
        date.at(h, m, 0, 0)
            .to_zoned(tz.clone())
            .unwrap()
            .timestamp()
    };
    let booking = |key: &str, librarian: &str, ty: &str, starts: jiff::Timestamp, minutes: i64| {
        json!({
            "idempotency_key": key, "librarian_id": librarian, "type_id": ty,
            "starts_at": starts.to_string(),
            "ends_at": (starts + jiff::SignedDuration::from_mins(minutes)).to_string(),
            // What the hub's type says wins over what a workstation claims.
            "buffer_after_minutes": 0, "capacity": 5,
            "topic": "Letters", "student_name": "Zed Student", "student_email": "zed@example.org",
        })
    };
    let ten = at(monday, 10, 0);
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(30);
    let far = at(
        monday.checked_add(jiff::Span::new().days(28)).unwrap(),
        10,
        0,
    );
    let tuesday = at(monday.tomorrow().unwrap(), 10, 0);
    let refused = [
        (
            booking("r1", "lib-nobody", "research", ten, 30),
            "unknown_librarian",
        ),
        (booking("r2", "lib-okafor", "nope", ten, 30), "unknown_type"),
        (
            booking("r3", "lib-okafor", "research", ten, 45),
            "wrong_length",
        ),
        (
            booking("r4", "lib-okafor", "research", soon, 30),
            "too_soon",
        ),
        (booking("r5", "lib-okafor", "research", far, 30), "too_far"),
        (
            booking("r6", "lib-okafor", "research", at(monday, 9, 0), 30),
            "outside_hours",
        ),
        (
            booking("r7", "lib-okafor", "research", at(monday, 11, 45), 30),
            "outside_hours",
        ),
        (
            booking("r8", "lib-okafor", "research", tuesday, 30),
            "outside_hours",
        ),
        (
            booking("r9", "lib-okafor", "research", at(away, 10, 0), 30),
            "time_off",
        ),
    ];
    for (request, code) in &refused {
        let (s, body) = hub.post("/api/v1/bookings", request).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (422, Some(*code)),
            "{request} {body}"
        );
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    let client = hub.db.pool.get().await.unwrap();
    let count = |sql: &'static str| {
        let client = &client;
        async move { client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(
        count("SELECT count(*) FROM bookings").await,
        0,
        "nothing was written"
    );

    // Inside her hours: booked, with the hub's buffer and capacity.
    let (s, made) = hub
        .post(
            "/api/v1/bookings",
            &booking("ok", "lib-okafor", "research", ten, 30),
        )
        .await;
    assert_eq!(s, 201, "{made}");
    let (capacity, busy_minutes): (i32, f64) = {
        let r = client
            .query_one(
                "SELECT capacity, extract(epoch FROM upper(busy) - lower(busy))::float8 / 60 FROM bookings",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!((capacity, busy_minutes), (1, 40.0));

    // Within the cancellation cutoff a student cannot cancel here; before it she can.
    let (s, firm) = hub
        .post(
            "/api/v1/bookings",
            &booking("firm", "lib-okafor", "firm", at(monday, 11, 0), 30),
        )
        .await;
    assert_eq!(s, 201, "{firm}");
    let cancel = |code: &Value| format!("/api/v1/bookings/{}/cancel", code.as_str().unwrap());
    let (s, body) = hub
        .post(&cancel(&firm["code"]), &json!({"email": "zed@example.org"}))
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (409, Some("past_cutoff")),
        "{body}"
    );
    let (s, body) = hub
        .post(&cancel(&made["code"]), &json!({"email": "zed@example.org"}))
        .await;
    assert_eq!(
        (s, body["status"].as_str()),
        (200, Some("cancelled")),
        "{body}"
    );

    // A librarian left out of the next roster has left: no new booking with her.
    hub.import_roster(&roster(json!([]))).await;
    let (s, body) = hub
        .post(
            "/api/v1/bookings",
            &booking("after", "lib-okafor", "research", ten, 30),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (422, Some("unknown_librarian")),
        "{body}"
    );

    // The whole feed, every kind of change: the roster is there, no student and no code.
    let page = commons_hub::feed::changes(&hub.db, commons_hub::feed::Cursor(0), 1000)
        .await
        .unwrap();
    let kinds: std::collections::BTreeSet<(String, String)> = page
        .changes
        .iter()
        .map(|c| (c.kind.clone(), c.op.clone()))
        .collect();
    for kind in [
        ("library", "upsert"),
        ("librarian", "upsert"),
        ("librarian", "delete"),
        ("schedule", "upsert"),
        ("consultation_type", "upsert"),
        ("booking", "upsert"),
    ] {
        assert!(
            kinds.contains(&(kind.0.into(), kind.1.into())),
            "{kind:?} in {kinds:?}"
        );
    }
    for c in &page.changes {
        assert!(c.decode().is_ok(), "{c:?}");
    }
    let text = serde_json::to_string(&page).unwrap();
    for secret in [
        made["code"].as_str().unwrap(),
        firm["code"].as_str().unwrap(),
        "Zed",
        "zed@example.org",
        "Letters",
    ] {
        assert!(!text.contains(secret), "{secret} in the feed");
    }
    let library = page.changes.iter().find(|c| c.kind == "library").unwrap();
    let library: Value = serde_json::from_str(library.body.as_ref().unwrap().get()).unwrap();
    assert_eq!(library["time_zone"], "Europe/Berlin");
}
