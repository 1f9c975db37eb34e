//! Every route's types and every change kind through JSON and back: what one end writes,
//! the other reads as the same value.

use commons_catalogue::union::{SourceRef, UnionHolding, UnionLibrary, UnionRecord};
use commons_catalogue::{Description, Format};
use commons_protocol::accounts::{CalendarPath, SignIn, SignedIn};
use commons_protocol::bookings::{
    Booked, BookingStatus, BusyTime, DeskAction, DeskBooking, DeskQuery, NewBooking,
    SharedException, SharedLibrarian, SharedSchedule, TypeForm,
};
use commons_protocol::feed::{Announced, Change, ChangeBody, ChangesQuery, KINDS, Page};
use commons_protocol::resources::{
    AuditAction, SaveQuery, SharedAuditLine, SharedResource, SharedResourceDiscipline,
};
use commons_protocol::sharing::{
    NewRequest, Patron, PickupStage, RequestEvent, RequestLookup, RequestView, RequesterAction,
    ServiceType, SharingPair, SharingStats, SharingStatsQuery, Status, Step, StepRequest,
};
use commons_protocol::{ApiCode, ApiError, BookingCode, Sha256};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T) {
    let json = serde_json::to_string(&value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(back, value, "{json}");
}

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn code() -> BookingCode {
    BookingCode::parse("ABCD-2345").unwrap()
}

fn resource() -> SharedResource {
    SharedResource {
        id: "res-jstor".into(),
        kind: "database".into(),
        name: "JSTOR".into(),
        alt_names: vec!["Journal Storage".into()],
        description: "Back issues of journals".into(),
        vendor: Some("ITHAKA".into()),
        url: Some("https://www.jstor.org/".into()),
        access: "campus".into(),
        note: None,
        disciplines: vec![SharedResourceDiscipline {
            id: "history".into(),
            best_bet: true,
        }],
        yearly_cost: Some(18_500),
    }
}

fn librarian() -> SharedLibrarian {
    SharedLibrarian {
        id: "lib-okafor".into(),
        name: "Adaeze Okafor".into(),
        library_id: "north".into(),
        subjects: vec!["History".into()],
        languages: vec!["en".into(), "ig".into()],
        disciplines: vec!["world-history".into()],
    }
}

fn type_form() -> TypeForm {
    TypeForm {
        id: Some("research".into()),
        name: "Research consultation".into(),
        name_zh: "研究咨询".into(),
        minutes: 45,
        buffer_before: 0,
        buffer_after: 15,
        min_notice_minutes: 120,
        window_days: 28,
        cancel_cutoff_minutes: 60,
        capacity: 1,
    }
}

fn schedule() -> SharedSchedule {
    SharedSchedule {
        hours: vec![(1, "09:00".into(), "12:00".into())],
        exceptions: vec![SharedException {
            date: "2026-12-24".into(),
            starts: None,
            ends: None,
            reason: "Closed".into(),
        }],
    }
}

fn busy() -> BusyTime {
    BusyTime {
        librarian_id: "lib-okafor".into(),
        type_id: "research".into(),
        starts_at: at("2026-12-02T10:00:00Z"),
        ends_at: at("2026-12-02T10:45:00Z"),
        busy_from: at("2026-12-02T10:00:00Z"),
        busy_to: at("2026-12-02T11:00:00Z"),
        status: BookingStatus::Booked,
    }
}

#[test]
fn every_route_s_types_round_trip() {
    check(ChangesQuery {
        since: "42".into(),
        limit: Some(500),
    });
    check(NewBooking {
        idempotency_key: "booking:ABCD-2345".into(),
        code: Some(code()),
        librarian_id: "lib-okafor".into(),
        type_id: "research".into(),
        discipline_id: Some("history".into()),
        starts_at: at("2026-12-02T10:00:00Z"),
        ends_at: at("2026-12-02T10:45:00Z"),
        buffer_before_minutes: 0,
        buffer_after_minutes: 15,
        capacity: 1,
        topic: "Sources on the Silk Road".into(),
        student_name: Some("Mei Chen".into()),
        student_email: Some("mei@students.example.edu".into()),
        description: None,
    });
    check(commons_protocol::bookings::CancelBooking {
        email: "mei@students.example.edu".into(),
    });
    check(Booked {
        code: code(),
        busy_key: "busy:12".into(),
        librarian_id: "lib-okafor".into(),
        type_id: "research".into(),
        starts_at: at("2026-12-02T10:00:00Z"),
        ends_at: at("2026-12-02T10:45:00Z"),
        status: BookingStatus::Booked,
    });
    check(DeskQuery {
        from: at("2026-12-02T00:00:00Z"),
        to: at("2026-12-03T00:00:00Z"),
    });
    check(DeskBooking {
        code: code(),
        librarian_id: "lib-okafor".into(),
        type_id: "research".into(),
        discipline_id: None,
        starts_at: at("2026-12-02T10:00:00Z"),
        ends_at: at("2026-12-02T10:45:00Z"),
        status: BookingStatus::CheckedIn,
        topic: "Sources".into(),
        student_name: Some("Mei Chen".into()),
        student_email: None,
        description: None,
        outcome: Some("Found three archives".into()),
        read_level: Some(3),
    });
    for action in [
        DeskAction::CheckIn,
        DeskAction::NoShow,
        DeskAction::Complete {
            read_level: 4,
            outcome: "Done".into(),
        },
    ] {
        check(action);
    }
    check(SignIn {
        username: "okafor".into(),
        password: "a long password".into(),
    });
    check(SignedIn {
        session: "f".repeat(64),
        username: "okafor".into(),
        display_name: "Adaeze Okafor".into(),
        librarian_id: "lib-okafor".into(),
    });
    check(CalendarPath {
        path: "calendar/abc.ics".into(),
    });
    check(SaveQuery { new: true });
    check(resource());
    check(SharedAuditLine {
        at: "2026-11-30T10:00:00Z".into(),
        username: "okafor".into(),
        action: AuditAction::Save,
        body: Some(resource()),
    });
    check(schedule());
    check(type_form());
    check(commons_protocol::fleet::WorkstationReport {
        version: "0.1.0".into(),
        cursor: "42".into(),
        checked_at: Some("2026-12-01T05:00:00Z".parse().unwrap()),
        checks: vec![commons_protocol::fleet::HealthCheck {
            name: "disk".into(),
            ok: false,
            detail: "120 MiB free".into(),
        }],
    });
    {
        use commons_protocol::usage::*;
        let day = jiff::civil::date(2026, 11, 30);
        let report = UsageReport {
            days: vec![UsageDay {
                day,
                counts: vec![UsageCount {
                    metric: Metric::ResourceOpen,
                    discipline: "physics".into(),
                    subject: "res-arxiv".into(),
                    count: 3,
                }],
            }],
            empty_searches: vec![EmptySearch {
                month: "2026-11".into(),
                text: "dark matter".into(),
                sessions: 5,
            }],
        };
        check(report.clone());
        check(UsageAccepted {
            days: 1,
            empty_searches: 1,
        });
        check(UsageQuery {
            from: day,
            to: day,
            library: Some("north".into()),
        });
        let rows = report.days[0].counts.iter().map(|c| {
            (
                day,
                c.metric,
                c.discipline.as_str(),
                c.subject.as_str(),
                c.count,
            )
        });
        for scope in [
            UsageScope::Workstation,
            UsageScope::Consortium,
            UsageScope::Library {
                id: "north".into(),
                name: "North Library".into(),
            },
        ] {
            check(summarize(
                scope,
                day,
                day,
                rows.clone(),
                report.empty_searches.clone(),
            ));
        }
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.as_str()), Some(m));
            assert_eq!(
                serde_json::to_value(m).unwrap(),
                serde_json::Value::String(m.as_str().into())
            );
        }
    }
    for code in [
        ApiCode::Unauthorized,
        ApiCode::NotSignedIn,
        ApiCode::WrongCredentials,
        ApiCode::TooManyAttempts,
        ApiCode::Invalid,
        ApiCode::Forbidden,
        ApiCode::Unacceptable,
        ApiCode::BadCursor,
        ApiCode::NotFound,
        ApiCode::Taken,
        ApiCode::SlotTaken,
        ApiCode::SessionFull,
        ApiCode::WrongState,
        ApiCode::IdempotencyKeyReused,
        ApiCode::UnknownLibrarian,
        ApiCode::UnknownType,
        ApiCode::WrongLength,
        ApiCode::TooSoon,
        ApiCode::TooFar,
        ApiCode::OutsideHours,
        ApiCode::TimeOff,
        ApiCode::PastCutoff,
        ApiCode::TooLarge,
        ApiCode::Unavailable,
        ApiCode::Internal,
    ] {
        check(ApiError::new(code, "why"));
        assert!((400..600).contains(&code.status()));
    }
    // Resource sharing: a request, its lookup, a librarian's steps, the view with history.
    for service in ServiceType::ALL {
        check(NewRequest {
            idempotency_key: "k1".into(),
            code: BookingCode::parse("ABCD-2345"),
            record_id: "hub:12".into(),
            service,
            pickup_library: "north".into(),
            name: "Mei Chen".into(),
            card_number: "N-0012345".into(),
            email: "mei@students.example.edu".into(),
            part: Some("Chapter 3".into()),
            citation: Some("Chabon, M. (2000).".into()),
            copyright_accepted: true,
            note: None,
            discipline: Some("american-literature".into()),
        });
    }
    check(SharingStatsQuery { days: 365 });
    check(SharingStats {
        library: Some("north".into()),
        days: 365,
        rows: vec![SharingPair {
            supplier: "south".into(),
            borrower: "north".into(),
            discipline: Some("american-literature".into()),
            requests: 3,
            filled: 2,
            unfilled: 1,
            cancelled: 0,
            loans: 1,
            copies_delivered: 1,
            median_turnaround_minutes: Some(2880),
        }],
    });
    check(RequestLookup {
        email: "mei@students.example.edu".into(),
    });
    for step in Step::all() {
        check(StepRequest {
            step,
            due: Some("2026-12-29".parse().unwrap()),
            note: Some("why".into()),
        });
    }
    check(StepRequest {
        step: Step::Requester(RequesterAction::Renew),
        due: None,
        note: None,
    });
    check(RequestView {
        code: code(),
        record_id: "hub:12".into(),
        title: "Kavalier & Clay".into(),
        service: ServiceType::Loan,
        requesting_library: "north".into(),
        pickup_library: "north".into(),
        supplier: Some("south".into()),
        status: Status::Loaned,
        pickup: PickupStage::Received,
        due: Some("2026-12-29".parse().unwrap()),
        placed_at: at("2026-12-01T10:00:00Z"),
        history: vec![RequestEvent {
            at: at("2026-12-01T10:00:01Z"),
            supplier: Some("south".into()),
            status: Status::Loaned,
            pickup: PickupStage::Awaiting,
            what: "Loaned".into(),
            note: Some("2026-12-29".into()),
        }],
        patron: Some(Patron {
            name: "Mei Chen".into(),
            card_number: "N-0012345".into(),
            email: "mei@students.example.edu".into(),
            note: None,
            part: None,
            citation: None,
        }),
        unfilled_reason: None,
        delivered_until: Some("2026-12-15T10:00:00Z".parse().unwrap()),
    });

    // A code from a newer hub is read, as one this end does not know.
    let newer: ApiError =
        serde_json::from_str(r#"{"code": "quota_exceeded", "message": "later"}"#).unwrap();
    assert_eq!(newer.code, ApiCode::Unknown);
    assert!(newer.code.is_failure());
}

#[test]
fn every_change_kind_round_trips_through_its_envelope() {
    let record = UnionRecord {
        id: "hub:7".into(),
        format: Format::Book,
        description: Description {
            title: "The Silk Roads".into(),
            ..Description::default()
        },
        holdings: vec![UnionHolding {
            library: "north".into(),
            call_number: "DS33.1 .F73".into(),
            location: String::new(),
            status: "available".into(),
            due_date: None,
        }],
        sources: vec![SourceRef {
            library: "north".into(),
            identifier: "oai:north:7".into(),
        }],
    };
    let sha = Sha256::of(b"%PDF-1.7");
    let cases: Vec<(String, ChangeBody)> = vec![
        ("hub:7".into(), ChangeBody::Record(Box::new(record))),
        ("hub:8".into(), ChangeBody::RecordDeleted),
        (
            "north".into(),
            ChangeBody::Library(UnionLibrary {
                id: "north".into(),
                name: "North Library".into(),
                name_zh: Some("北区图书馆".into()),
                city: None,
                city_zh: None,
                time_zone: Some("Europe/Berlin".into()),
            }),
        ),
        (
            sha.to_string(),
            ChangeBody::Document(Announced {
                sha256: sha.clone(),
                title: "Guide".into(),
                file_name: "guide.pdf".into(),
                bytes: 8,
                discipline_id: None,
                record_id: Some("hub:7".into()),
            }),
        ),
        (
            "res-jstor".into(),
            ChangeBody::Resource(Box::new(resource())),
        ),
        ("res-old".into(), ChangeBody::ResourceRetired),
        ("lib-okafor".into(), ChangeBody::Schedule(schedule())),
        ("research".into(), ChangeBody::ConsultationType(type_form())),
        ("busy:12".into(), ChangeBody::Booking(busy())),
        (
            "consortium".into(),
            ChangeBody::Consortium(commons_protocol::feed::ConsortiumName {
                name: "Lakeland Library Consortium".into(),
                name_zh: "湖区图书馆联盟".into(),
            }),
        ),
        ("lib-okafor".into(), ChangeBody::Librarian(librarian())),
        ("lib-gone".into(), ChangeBody::LibrarianLeft),
    ];
    let mut kinds: Vec<(&str, &str)> = Vec::new();
    for (key, body) in &cases {
        let change = Change::new(key.clone(), body);
        kinds.push(body.kind_op());
        let page = Page {
            changes: vec![change],
            next: "1".into(),
        };
        let json = serde_json::to_string(&page).unwrap();
        let back: Page = serde_json::from_str(&json).unwrap();
        assert_eq!(back, page);
        assert_eq!(back.changes[0].decode().as_ref(), Ok(body), "{json}");
    }
    assert_eq!(kinds, KINDS, "every kind is covered, in order");
}

#[test]
fn a_change_naming_another_key_is_not_read() {
    let cases: Vec<(&str, ChangeBody, &str)> = vec![
        (
            "res-other",
            ChangeBody::Resource(Box::new(resource())),
            "is not its key",
        ),
        (
            "other",
            ChangeBody::ConsultationType(type_form()),
            "is not its key",
        ),
        (
            "lib-other",
            ChangeBody::Librarian(librarian()),
            "is not its key",
        ),
        (
            "ABCD2345",
            ChangeBody::Booking(busy()),
            "is not the key of a busy time",
        ),
    ];
    for (key, body, expected) in cases {
        let err = Change::new(key, &body).decode().unwrap_err();
        assert!(err.contains(expected), "{key}: {err}");
    }
    // The feed's busy times never carry who booked or the code.
    let json =
        serde_json::to_string(&Change::new("busy:12", &ChangeBody::Booking(busy()))).unwrap();
    for secret in ["ABCD", "code", "name", "email", "topic"] {
        assert!(!json.contains(secret), "{secret} in {json}");
    }
    let unknown = Change {
        kind: "hologram".into(),
        key: "x".into(),
        op: "upsert".into(),
        body: None,
    };
    assert!(
        unknown
            .decode()
            .unwrap_err()
            .contains("does not know `hologram`")
    );
}
