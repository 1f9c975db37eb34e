//! Personal data ends on the hub: after the retention period a consultation keeps what
//! statistics need and nothing about the student. Tested by moving the clock forward.

use serde_json::json;

mod support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_purged_after_the_retention_period() {
    let hub = support::hub().await;
    let mut roster = support::open_roster(
        &["lib-okafor"],
        json!([{"id": "research", "name": "Research", "name_zh": "研究", "minutes": 45,
                "buffer_before": 0, "buffer_after": 0, "min_notice_minutes": 0,
                "window_days": 366, "cancel_cutoff_minutes": 0, "capacity": 1}]),
    );
    roster.libraries[0].time_zone = "UTC".into();
    hub.import_roster(&roster).await;
    let book = |key: &str, start: &str| {
        json!({
            "idempotency_key": key,
            "librarian_id": "lib-okafor",
            "type_id": "research",
            "starts_at": start,
            "ends_at": start.replace("T10:00", "T10:45"),
            "topic": "Letters of 1890",
            "student_name": "Ada Student",
            "student_email": "ada@example.org",
            "description": "For my thesis",
        })
    };
    // Both booked at the start of the year (the hub checks notice and window against its
    // clock, moved back here).
    let new_year: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    for (key, start) in [
        ("old", "2026-01-05T10:00:00Z"),
        ("recent", "2026-03-02T10:00:00Z"),
    ] {
        let request = serde_json::from_value(book(key, start)).unwrap();
        let outcome = commons_hub::bookings::book_at(&hub.db, &request, new_year)
            .await
            .unwrap();
        assert!(
            matches!(outcome, commons_hub::bookings::Outcome::Booked(_)),
            "{outcome:?}"
        );
    }
    // 90 days after the first consultation, but not after the second.
    let now: jiff::Timestamp = "2026-04-06T12:00:00Z".parse().unwrap();
    let purged = commons_hub::purge::personal_data(&hub.db, 90, now)
        .await
        .unwrap();
    assert_eq!(purged.bookings, 1);
    let client = hub.db.pool.get().await.unwrap();
    let rows = client
        .query(
            "SELECT idempotency_key, student_name, student_email, description, topic, outcome,
                    librarian_id, type_id, status
             FROM bookings ORDER BY starts_at",
            &[],
        )
        .await
        .unwrap();
    let personal = |i: usize| -> (Option<String>, Option<String>, Option<String>, String) {
        (
            rows[i].get(1),
            rows[i].get(2),
            rows[i].get(3),
            rows[i].get(4),
        )
    };
    assert_eq!(
        personal(0),
        (None, None, None, String::new()),
        "the old one is anonymous"
    );
    assert_eq!(rows[0].get::<_, Option<String>>(5), None);
    // What statistics need stays.
    assert_eq!(
        (
            rows[0].get::<_, String>(6),
            rows[0].get::<_, String>(7),
            rows[0].get::<_, String>(8)
        ),
        ("lib-okafor".into(), "research".into(), "booked".into())
    );
    assert_eq!(
        personal(1).0.as_deref(),
        Some("Ada Student"),
        "the recent one is kept"
    );
    // Purging again changes nothing.
    let again = commons_hub::purge::personal_data(&hub.db, 90, now)
        .await
        .unwrap();
    assert_eq!(again.bookings, 0);
}
