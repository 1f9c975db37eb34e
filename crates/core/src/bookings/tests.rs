use super::*;
use crate::demo;
use jiff::civil::date;

fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("commons.db")).unwrap();
    demo::seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
    (dir, store)
}

/// A Monday morning in Chicago, before Adaeze Okafor's 10:00–12:00 hours.
fn monday_8am() -> Timestamp {
    slots::instant(
        date(2026, 3, 2),
        jiff::civil::time(8, 0, 0, 0),
        &TimeZone::get("America/Chicago").unwrap(),
    )
    .unwrap()
}

fn request(starts: Timestamp) -> Request {
    Request {
        librarian_id: "lib-okafor".into(),
        type_id: "research".into(),
        starts: Some(starts),
        name: "Lin Wei".into(),
        email: "lin.wei@student.example".into(),
        topic: "Sources on the Reconstruction era".into(),
        discipline_id: Some("american-history".into()),
        description: "Second-year essay.".into(),
    }
}

#[test]
fn slots_come_from_hours_in_the_library_zone() {
    let (_dir, store) = seeded();
    let now = monday_8am();
    let free = free_slots(&store, "lib-okafor", "research", now).unwrap();
    let tz = TimeZone::get("America/Chicago").unwrap();
    let first: Vec<String> = free
        .iter()
        .take(3)
        .map(|s| {
            s.starts
                .to_zoned(tz.clone())
                .strftime("%a %H:%M")
                .to_string()
        })
        .collect();
    // 30 minutes with 10 after: 10:00, 10:40, 11:20 on Monday.
    assert_eq!(first, vec!["Mon 10:00", "Mon 10:40", "Mon 11:20"]);
    assert!(free.iter().all(|s| s.starts > now));
    assert_eq!(
        free_slots(&store, "lib-nobody", "research", now)
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[test]
fn book_then_the_slot_is_gone_and_a_second_student_is_offered_the_nearest() {
    let (_dir, store) = seeded();
    let now = monday_8am();
    let slot = free_slots(&store, "lib-okafor", "research", now).unwrap()[1];
    let b = book(&store, &request(slot.starts), now).unwrap();
    assert_eq!(b.status, "booked");
    assert_eq!(b.code.len(), 9);
    assert!(
        b.code
            .chars()
            .all(|c| c == '-' || c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert!(
        !free_slots(&store, "lib-okafor", "research", now)
            .unwrap()
            .iter()
            .any(|s| s.starts == slot.starts)
    );
    match book(&store, &request(slot.starts), now).unwrap_err() {
        BookingError::SlotTaken { nearest } => {
            assert!(!nearest.is_empty() && nearest.len() <= 3);
            assert!(nearest.iter().all(|s| s.starts != slot.starts));
        }
        other => panic!("{other}"),
    }
    // A time the librarian does not offer, and one in the past.
    let odd = slot
        .starts
        .checked_add(SignedDuration::from_mins(7))
        .unwrap();
    assert_eq!(
        book(&store, &request(odd), now).unwrap_err().code(),
        "slot_not_offered"
    );
    let past = now.checked_sub(SignedDuration::from_hours(48)).unwrap();
    assert_eq!(
        book(&store, &request(past), now).unwrap_err().code(),
        "slot_not_offered"
    );
    // The code finds it, typed in lower case without the dash.
    let typed = b.code.replace('-', "").to_lowercase();
    assert_eq!(by_codes(&store, &[typed]).unwrap()[0].code, b.code);
}

#[test]
fn bad_input_is_refused_and_nothing_is_stored() {
    let (_dir, store) = seeded();
    let now = monday_8am();
    let slot = free_slots(&store, "lib-okafor", "research", now).unwrap()[0];
    let table: Vec<(Request, Vec<(&str, &str)>)> = vec![
        (
            Request {
                name: " ".into(),
                ..request(slot.starts)
            },
            vec![("name", "required")],
        ),
        (
            Request {
                email: "not-an-email".into(),
                ..request(slot.starts)
            },
            vec![("email", "invalid_email")],
        ),
        (
            Request {
                email: "a@b".into(),
                ..request(slot.starts)
            },
            vec![("email", "invalid_email")],
        ),
        (
            Request {
                email: "a b@c.org".into(),
                ..request(slot.starts)
            },
            vec![("email", "invalid_email")],
        ),
        (
            Request {
                topic: String::new(),
                ..request(slot.starts)
            },
            vec![("topic", "required")],
        ),
        (
            Request {
                description: "x".repeat(10_000),
                ..request(slot.starts)
            },
            vec![("description", "too_long")],
        ),
        (
            Request {
                starts: None,
                ..request(slot.starts)
            },
            vec![("slot", "required")],
        ),
        (
            Request {
                discipline_id: Some("nowhere".into()),
                ..request(slot.starts)
            },
            vec![("discipline", "unknown")],
        ),
    ];
    for (r, expected) in table {
        match book(&store, &r, now).unwrap_err() {
            BookingError::Invalid(p) => {
                assert_eq!(
                    p.iter().map(|e| (e.field, e.code)).collect::<Vec<_>>(),
                    expected,
                    "{r:?}"
                )
            }
            other => panic!("{other}"),
        }
    }
    let n: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM bookings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(
        cancel(&store, "ZZZZ-9999", now).unwrap_err().code(),
        "unknown_code"
    );
}

#[test]
fn cancel_until_the_cutoff_and_the_slot_is_free_again() {
    let (_dir, store) = seeded();
    let now = monday_8am();
    let slot = free_slots(&store, "lib-okafor", "research", now).unwrap()[0];
    let b = book(&store, &request(slot.starts), now).unwrap();
    // The research type's cutoff is two hours: at 8:30 for 10:00 it is too late.
    let late = now.checked_add(SignedDuration::from_mins(30)).unwrap();
    assert_eq!(
        cancel(&store, &b.code, late).unwrap_err().code(),
        "too_late_to_cancel"
    );
    let c = cancel(
        &store,
        &b.code,
        now.checked_sub(SignedDuration::from_hours(1)).unwrap(),
    )
    .unwrap();
    assert_eq!(c.status, "cancelled");
    assert_eq!(
        cancel(&store, &b.code, now).unwrap_err().code(),
        "wrong_state"
    );
    let earlier = now.checked_sub(SignedDuration::from_hours(3)).unwrap();
    assert!(
        free_slots(&store, "lib-okafor", "research", earlier)
            .unwrap()
            .iter()
            .any(|s| s.starts == slot.starts)
    );
}

#[test]
fn the_desk_checks_in_completes_and_marks_no_shows() {
    let (_dir, store) = seeded();
    let now = monday_8am();
    let free = free_slots(&store, "lib-okafor", "research", now).unwrap();
    let a = book(&store, &request(free[0].starts), now).unwrap();
    let b = book(
        &store,
        &Request {
            name: "Sam Ortiz".into(),
            ..request(free[1].starts)
        },
        now,
    )
    .unwrap();
    let q = queue(&store, "lib-okafor", now, None).unwrap();
    assert_eq!(
        q.iter().map(|x| x.code.clone()).collect::<Vec<_>>(),
        vec![a.code.clone(), b.code.clone()]
    );
    // Another librarian cannot act on these bookings.
    assert_eq!(
        desk(&store, "lib-patel", &a.code, &DeskAction::CheckIn, now)
            .unwrap_err()
            .code(),
        "unknown_code"
    );
    let at_ten = free[0].starts;
    desk(&store, "lib-okafor", &a.code, &DeskAction::CheckIn, at_ten).unwrap();
    let bad = DeskAction::Complete {
        read_level: 7,
        outcome: String::new(),
    };
    assert_eq!(
        desk(&store, "lib-okafor", &a.code, &bad, at_ten)
            .unwrap_err()
            .code(),
        "invalid"
    );
    let done = DeskAction::Complete {
        read_level: 3,
        outcome: "Found the Freedmen's Bureau records.".into(),
    };
    let c = desk(&store, "lib-okafor", &a.code, &done, at_ten).unwrap();
    assert_eq!((c.status.as_str(), c.read_level), ("completed", Some(3)));
    assert_eq!(
        desk(&store, "lib-okafor", &a.code, &DeskAction::CheckIn, at_ten)
            .unwrap_err()
            .code(),
        "wrong_state"
    );
    // The second student never comes: after the grace period, a no-show.
    let later = free[1]
        .starts
        .checked_add(NO_SHOW_GRACE + SignedDuration::from_mins(1))
        .unwrap();
    let q = queue(&store, "lib-okafor", later, None).unwrap();
    assert_eq!(
        q.iter().find(|x| x.code == b.code).unwrap().status,
        "no_show"
    );
    let s = stats::aggregate(&stats::rows(&store, None).unwrap());
    assert_eq!((s.total, s.completed, s.no_shows), (2, 1, 1));
    assert!((s.no_show_rate - 0.5).abs() < 1e-9);
    assert_eq!(s.read_levels, [0, 0, 1, 0, 0, 0]);
    assert_eq!(s.by_discipline, vec![("history".to_string(), 2)]);
    assert_eq!(
        s.by_library,
        vec![("Meridian Central Library".to_string(), 2)]
    );
    assert_eq!(s.by_week, vec![("2026-W10".to_string(), 2)]);
}

#[test]
fn personal_data_is_purged_and_statistics_survive() {
    let (_dir, store) = seeded();
    let now = monday_8am();
    let slot = free_slots(&store, "lib-okafor", "research", now).unwrap()[0];
    let b = book(&store, &request(slot.starts), now).unwrap();
    desk(
        &store,
        "lib-okafor",
        &b.code,
        &DeskAction::Complete {
            read_level: 2,
            outcome: "Notes".into(),
        },
        slot.starts,
    )
    .unwrap();
    // Not yet: the retention period has not passed.
    assert_eq!(purge(&store, slot.ends, 30).unwrap(), 0);
    let later = slot
        .ends
        .checked_add(SignedDuration::from_hours(24 * 31))
        .unwrap();
    assert_eq!(purge(&store, later, 30).unwrap(), 1);
    let kept = &by_codes(&store, std::slice::from_ref(&b.code)).unwrap()[0];
    assert_eq!(
        (
            kept.name.clone(),
            kept.email.clone(),
            kept.description.clone(),
            kept.outcome.clone()
        ),
        (None, None, None, None)
    );
    assert_eq!(kept.topic, "Sources on the Reconstruction era");
    let rows = stats::rows(&store, None).unwrap();
    assert_eq!(stats::aggregate(&rows).read_levels, [0, 1, 0, 0, 0, 0]);
    let csv = stats::csv(&rows);
    assert!(csv.starts_with(
        "starts_utc,week,librarian,service_point,type,discipline,status,read_level\r\n"
    ));
    assert!(
        csv.contains(",Adaeze Okafor,Meridian Central Library,research,history,completed,2\r\n"),
        "{csv}"
    );
    assert!(!csv.contains("Lin Wei") && !csv.contains("@"));
}

#[test]
fn hours_and_exceptions_change_the_slots() {
    let (_dir, store) = seeded();
    let now = monday_8am();
    let before = free_slots(&store, "lib-okafor", "quick", now)
        .unwrap()
        .len();
    add_exception(&store, "lib-okafor", "2026-03-02", None, "Conference").unwrap();
    let after = free_slots(&store, "lib-okafor", "quick", now).unwrap();
    assert!(after.len() < before);
    let tz = TimeZone::get("America/Chicago").unwrap();
    assert!(
        after
            .iter()
            .all(|s| s.starts.to_zoned(tz.clone()).date() != date(2026, 3, 2))
    );
    let list = list_exceptions(&store, "lib-okafor").unwrap();
    assert_eq!(list[0].reason, "Conference");
    remove_exception(&store, "lib-okafor", list[0].id).unwrap();
    assert_eq!(
        free_slots(&store, "lib-okafor", "quick", now)
            .unwrap()
            .len(),
        before
    );
    for (date, range, field) in [
        ("2026-02-30", None, "date"),
        ("2026-03-02", Some(("12:00", "11:00")), "range"),
    ] {
        match add_exception(&store, "lib-okafor", date, range, "").unwrap_err() {
            BookingError::Invalid(p) => assert_eq!(p[0].field, field),
            other => panic!("{other}"),
        }
    }
    set_hours(&store, "lib-okafor", &[(1, "09:00".into(), "09:30".into())]).unwrap();
    // 09:00 and 09:15, this Monday and next (the quick type books a week ahead).
    assert_eq!(
        free_slots(&store, "lib-okafor", "quick", now)
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        set_hours(&store, "lib-okafor", &[(8, "09:00".into(), "10:00".into())])
            .unwrap_err()
            .code(),
        "invalid"
    );
}

#[test]
fn the_calendar_file_is_valid_icalendar() {
    let (_dir, store) = seeded();
    let now = monday_8am();
    let slot = free_slots(&store, "lib-okafor", "research", now).unwrap()[0];
    let b = book(
        &store,
        &Request {
            topic: "Long topic, with; commas\nand a line".repeat(3),
            ..request(slot.starts)
        },
        now,
    )
    .unwrap();
    let ics = ics(std::slice::from_ref(&b), now);
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.contains("DTSTART:20260302T160000Z\r\n"), "{ics}");
    assert!(ics.contains("DTEND:20260302T163000Z\r\n"));
    // The UID is stable for the booking but is not its code, which appears nowhere.
    let code = BookingCode::parse(&b.code).unwrap();
    assert!(ics.contains(&format!(
        "UID:{}@consultations.commons",
        commons_protocol::calendar::uid_of(&code)
    )));
    assert!(
        !ics.contains(&b.code) && !ics.contains(&code.compact()),
        "{ics}"
    );
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("Long topic\\, with\\; commas and a line"),
        "{unfolded}"
    );
    assert!(ics.split("\r\n").all(|l| l.len() <= 75), "lines are folded");
    assert!(
        !ics.contains("lin.wei"),
        "no personal data in the calendar file"
    );
}

#[test]
fn concurrent_attempts_for_one_slot_book_it_once() {
    let (dir, store) = seeded();
    let now = monday_8am();
    let slot = free_slots(&store, "lib-okafor", "research", now).unwrap()[0];
    let path = dir.path().join("commons.db");
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = Store::open(&path).unwrap();
                book(
                    &store,
                    &Request {
                        name: format!("Student {i}"),
                        ..request(slot.starts)
                    },
                    now,
                )
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.code() == "slot_taken")
    );
    let _ = store;
}

#[test]
fn consultation_types_are_edited_within_limits() {
    let store = Store::open_in_memory().unwrap();
    let form = TypeForm {
        id: None,
        name: "Thesis clinic".into(),
        name_zh: "论文诊所".into(),
        minutes: 45,
        buffer_before: 0,
        buffer_after: 15,
        min_notice_minutes: 120,
        window_days: 21,
        cancel_cutoff_minutes: 60,
        capacity: 1,
    };
    let id = save_type(&store, &form).unwrap();
    assert_eq!(id, "thesis-clinic");
    // The same name again gets its own id; an edit keeps the id.
    assert_eq!(save_type(&store, &form).unwrap(), "thesis-clinic-2");
    let edited = TypeForm {
        id: Some(id.clone()),
        minutes: 60,
        capacity: 4,
        ..form.clone()
    };
    assert_eq!(save_type(&store, &edited).unwrap(), id);
    let t = types(&store)
        .unwrap()
        .into_iter()
        .find(|t| t.id == id)
        .unwrap();
    assert_eq!(
        (t.rules.minutes, t.rules.capacity, t.rules.buffer_after),
        (60, 4, 15)
    );
    // Out of range and empty fields are named, nothing saved.
    let bad = TypeForm {
        name: " ".into(),
        minutes: 3,
        capacity: 51,
        window_days: 0,
        ..form.clone()
    };
    let Err(BookingError::Invalid(problems)) = save_type(&store, &bad) else {
        panic!("saved a bad type")
    };
    let named: Vec<(&str, &str)> = problems.iter().map(|p| (p.field, p.code)).collect();
    assert_eq!(
        named,
        vec![
            ("name", "required"),
            ("minutes", "out_of_range"),
            ("window_days", "out_of_range"),
            ("capacity", "out_of_range"),
        ]
    );
    assert_eq!(problems[1].other.as_deref(), Some("5–480"));
    assert!(matches!(
        save_type(
            &store,
            &TypeForm {
                id: Some("nope".into()),
                ..form
            }
        ),
        Err(BookingError::UnknownType(_))
    ));
}
