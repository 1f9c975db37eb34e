//! Usage statistics end to end: real workstations count what patrons do, send their days
//! with the sync, and the hub adds them up for a librarian (her library) and for the
//! consortium office (everything), exactly once whatever the retries, crashes and weeks
//! offline; the text of a search that found nothing arrives only from five sessions on.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use commons_core::Workstation;
use commons_core::workstation::UsageEvent;
use commons_hub::librarians::Role;
use commons_protocol::usage::{Metric, UsageQuery, UsageScope, UsageSummary};
use jiff::Timestamp;

/// What a test expects the hub to hold: a count per metric.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Expected(BTreeMap<Metric, u64>);

impl Expected {
    fn add(&mut self, m: Metric, n: u64) {
        *self.0.entry(m).or_insert(0) += n;
    }

    fn plus(&self, other: &Expected) -> Expected {
        let mut out = self.clone();
        for (m, n) in &other.0 {
            out.add(*m, *n);
        }
        out
    }

    fn check(&self, summary: &UsageSummary, what: &str) {
        for m in Metric::ALL {
            assert_eq!(
                summary.total(m),
                self.0.get(&m).copied().unwrap_or(0),
                "{what}: {m:?} in {summary:#?}"
            );
        }
    }
}

/// A patron at a workstation: each action counted there and expected here. Actions are a
/// minute apart; a session begins with the first action after `finish` (or a restart).
struct Patron<'a> {
    ws: &'a Workstation,
    at: Timestamp,
    expected: &'a mut Expected,
    ended: bool,
}

impl Patron<'_> {
    fn act(&mut self, event: UsageEvent<'_>) {
        if self.ended {
            self.expected.add(Metric::Session, 1);
        } else {
            self.expected.add(Metric::SessionSeconds, 60);
        }
        self.ws.count_at(self.at, event);
        match event {
            UsageEvent::Search { found, .. } => {
                self.expected.add(Metric::Search, 1);
                if found == 0 {
                    self.expected.add(Metric::SearchEmpty, 1);
                }
            }
            UsageEvent::RecordView { .. } => self.expected.add(Metric::RecordView, 1),
            UsageEvent::CitationExport { .. } => self.expected.add(Metric::CitationExport, 1),
            UsageEvent::ResourceOpen { .. } => self.expected.add(Metric::ResourceOpen, 1),
            UsageEvent::DocumentOpen { .. } => self.expected.add(Metric::DocumentOpen, 1),
            UsageEvent::PageRead { .. } => self.expected.add(Metric::PageRead, 1),
            UsageEvent::ConsultationBooked { .. } => {
                self.expected.add(Metric::ConsultationBooked, 1)
            }
        }
        self.at += jiff::SignedDuration::from_secs(60);
        self.ended = false;
    }

    /// "Finish and clear", a minute after the last action: that minute counts too.
    fn finish(&mut self) {
        self.ws.finish_session_at(self.at);
        self.expected.add(Metric::SessionSeconds, 60);
        self.ended = true;
    }
}

fn today_at(hour: i8) -> Timestamp {
    Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::system())
        .date()
        .at(hour, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::system())
        .unwrap()
        .timestamp()
}

fn sync(ws: &Workstation) -> usize {
    ws.sync_from(&ws.hub().unwrap().unwrap())
        .unwrap()
        .usage_days
}

fn ws(root: &Path, url: &str, token: &str) -> Workstation {
    support::workstation(root, url, token, &[])
}

async fn summary(hub: &support::Hub, session: &str, library: Option<&str>) -> UsageSummary {
    let today = Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::system())
        .date();
    let query = UsageQuery {
        from: today.checked_sub(jiff::Span::new().days(29)).unwrap(),
        to: today,
        library: library.map(str::to_owned),
    };
    let r = hub
        .http
        .get(format!("{}/api/v1/usage", hub.url))
        .bearer_auth(&hub.token)
        .header(commons_protocol::accounts::SESSION_HEADER, session)
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn sign_in(hub: &support::Hub, username: &str, password: &str) -> String {
    let (status, body) = hub
        .post(
            "/api/v1/sessions",
            &serde_json::json!({"username": username, "password": password}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["session"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_arrives_once_and_adds_up_per_library_and_consortium() {
    let hub = support::hub().await;
    hub.import_roster(&support::demo_roster()).await;
    hub.add_demo_librarian().await; // lib-okafor, at the central library
    commons_hub::librarians::add_with_role(
        &hub.db,
        "office",
        "Consortium Office",
        "",
        "office-password",
        Role::Office,
    )
    .await
    .unwrap();
    assert!(
        commons_hub::tokens::create_for(&hub.db, "IC-X", Some("atlantis"))
            .await
            .is_err(),
        "a token for a library the hub does not know is refused"
    );
    let central = commons_hub::tokens::create_for(&hub.db, "IC-central", Some("central"))
        .await
        .unwrap();
    let lakeshore = commons_hub::tokens::create_for(&hub.db, "IC-lakeshore", Some("lakeshore"))
        .await
        .unwrap();
    let url = format!("{}/", hub.url);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();

    let (a, b) = tokio::task::spawn_blocking(move || {
        let (mut a, mut b) = (Expected::default(), Expected::default());
        // A day at the central library's workstation: two patrons, then a crash mid-day.
        let first = ws(&root.join("a"), &url, &central);
        {
            let mut p = Patron {
                ws: &first,
                at: today_at(9),
                expected: &mut a,
                ended: true,
            };
            p.act(UsageEvent::Search {
                text: "photosynthesis",
                found: 12,
                discipline: None,
            });
            p.act(UsageEvent::RecordView { record: "r1" });
            p.act(UsageEvent::CitationExport { record: Some("r1") });
            p.act(UsageEvent::ResourceOpen {
                resource: "res-arxiv",
            });
            p.finish();
            p.act(UsageEvent::Search {
                text: "Dark  Matter",
                found: 0,
                discipline: None,
            });
            let sha = "a".repeat(64);
            p.act(UsageEvent::DocumentOpen { sha: &sha });
            p.act(UsageEvent::PageRead { sha: &sha, page: 1 });
            p.act(UsageEvent::PageRead { sha: &sha, page: 2 });
            // The same page again in the same session is not read twice.
            first.count_at(p.at, UsageEvent::PageRead { sha: &sha, page: 1 });
            p.expected.add(Metric::SessionSeconds, 60);
            p.at += jiff::SignedDuration::from_secs(60);
            p.act(UsageEvent::ConsultationBooked { discipline: None });
        }
        assert!(sync(&first) >= 1, "today went to the hub");
        assert_eq!(sync(&first), 0, "nothing changed, nothing sent again");
        // More use, then the process dies without finishing anything.
        {
            let mut p = Patron {
                ws: &first,
                at: today_at(14),
                expected: &mut a,
                ended: true,
            };
            p.act(UsageEvent::Search {
                text: "tides",
                found: 3,
                discipline: None,
            });
            p.act(UsageEvent::RecordView { record: "r2" });
        }
        drop(first);
        let again = ws(&root.join("a"), &url, &central);
        {
            // After a restart the page starts afresh: a new session.
            let mut p = Patron {
                ws: &again,
                at: today_at(15),
                expected: &mut a,
                ended: true,
            };
            p.act(UsageEvent::ResourceOpen {
                resource: "res-arxiv",
            });
        }
        assert_eq!(sync(&again), 1, "today, whole, once more");

        // A week offline at the lakeshore workstation: one patron a day, sent on return.
        let offline = ws(&root.join("b"), &url, &lakeshore);
        for days_ago in (1..=7).rev() {
            let mut p = Patron {
                ws: &offline,
                at: today_at(10) - jiff::SignedDuration::from_hours(24 * days_ago),
                expected: &mut b,
                ended: true,
            };
            p.act(UsageEvent::Search {
                text: "glaciers",
                found: 4,
                discipline: None,
            });
            p.act(UsageEvent::ResourceOpen {
                resource: "res-pubmed",
            });
            p.finish();
        }
        assert_eq!(sync(&offline), 7, "the offline week arrives in one sync");
        assert_eq!(sync(&offline), 0, "and only once");
        (a, b)
    })
    .await
    .unwrap();

    let librarian = hub.demo_session().await;
    let office = sign_in(&hub, "office", "office-password").await;
    let mine = summary(&hub, &librarian, Some("lakeshore")).await;
    assert_eq!(
        mine.scope,
        UsageScope::Library {
            id: "central".into(),
            name: "Meridian Central Library".into()
        },
        "a librarian sees her own library's, whatever she asks"
    );
    a.check(&mine, "central");
    let all = summary(&hub, &office, None).await;
    assert_eq!(all.scope, UsageScope::Consortium);
    a.plus(&b).check(&all, "consortium");
    b.check(
        &summary(&hub, &office, Some("lakeshore")).await,
        "lakeshore",
    );
    assert_eq!(all.resources[0].id, "res-pubmed");
    assert_eq!(all.resources[0].opens, 7);
    assert_eq!(all.documents[0].pages, 2);
    assert!(
        all.empty_searches.is_empty(),
        "a text one session typed never leaves the workstation: {:?}",
        all.empty_searches
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_that_found_nothing_is_named_from_five_sessions_on() {
    let hub = support::hub().await;
    commons_hub::librarians::add_with_role(
        &hub.db,
        "office",
        "Consortium Office",
        "",
        "office-password",
        Role::Office,
    )
    .await
    .unwrap();
    let (url, token) = (format!("{}/", hub.url), hub.token.clone());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let office = sign_in(&hub, "office", "office-password").await;
    let ws = std::sync::Arc::new(
        tokio::task::spawn_blocking(move || ws(&root, &url, &token))
            .await
            .unwrap(),
    );
    let session = |ws: std::sync::Arc<Workstation>, n: usize| async move {
        tokio::task::spawn_blocking(move || {
            for _ in 0..n {
                // Typed twice in one session: one session.
                for text in ["Quantum Foam", "quantum   foam"] {
                    ws.count(UsageEvent::Search {
                        text,
                        found: 0,
                        discipline: None,
                    });
                }
                ws.finish_session();
            }
            sync(&ws);
        })
        .await
        .unwrap();
    };
    session(ws.clone(), 4).await;
    let s = summary(&hub, &office, None).await;
    assert_eq!(s.total(Metric::SearchEmpty), 8);
    assert!(s.empty_searches.is_empty(), "{:?}", s.empty_searches);
    let client = hub.db.pool.get().await.unwrap();
    let held: i64 = client
        .query_one("SELECT count(*) FROM usage_empty_searches", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(held, 0, "four sessions' text never reached the hub");
    session(ws.clone(), 1).await;
    let s = summary(&hub, &office, None).await;
    assert_eq!(s.empty_searches.len(), 1);
    assert_eq!(
        (
            s.empty_searches[0].text.as_str(),
            s.empty_searches[0].sessions
        ),
        ("quantum foam", 5)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_refuses_what_no_workstation_could_have_counted() {
    let hub = support::hub().await;
    let day = Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::system())
        .date()
        .to_string();
    let report = |count: u64, sessions: u32| {
        serde_json::json!({
            "days": [{"day": day, "counts": [{"metric": "search", "count": count}]}],
            "empty_searches": [{"month": &day[..7], "text": "forged", "sessions": sessions}],
        })
    };
    let (status, body) = hub.post("/api/v1/usage", &report(1_000_000, 5)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "unacceptable");
    let (status, body) = hub.post("/api/v1/usage", &report(5, 4)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["empty_searches"], 0, "under five sessions is dropped");
    // The same day again replaces it: 5, not 10.
    let (status, _) = hub.post("/api/v1/usage", &report(5, 4)).await;
    assert_eq!(status, 200);
    let client = hub.db.pool.get().await.unwrap();
    let total: i64 = client
        .query_one(
            "SELECT coalesce(sum(count), 0)::bigint FROM usage_counts",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(total, 5);
    // Without a token, nothing.
    let r = hub
        .http
        .post(format!("{}/api/v1/usage", hub.url))
        .json(&report(1, 5))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // A librarian whose account no roster ties to a library sees nothing.
    commons_hub::librarians::add(&hub.db, "stray", "Stray", "lib-nobody", "stray-password")
        .await
        .unwrap();
    let stray = sign_in(&hub, "stray", "stray-password").await;
    let r = hub
        .http
        .get(format!("{}/api/v1/usage?from={day}&to={day}", hub.url))
        .bearer_auth(&hub.token)
        .header(commons_protocol::accounts::SESSION_HEADER, stray)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
