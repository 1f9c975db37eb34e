//! Resource sharing on the hub against a real PostgreSQL, over HTTP as workstations and
//! librarians send it: a loan from request to completion, the whole ISO 18626 transition
//! table (allowed and refused), who may take which step, 200 steps at once on one request,
//! routing to the next supplier after Unfilled, and bad requests refused with nothing kept.

use commons_protocol::accounts::SESSION_HEADER;
use commons_protocol::sharing::{
    PickupStage, RequesterAction, ServiceType, State, Status, Step, transition,
};
use serde_json::{Value, json};

mod support;
use support::hub;

/// A hub with three member libraries (North, South, East), a librarian account at each,
/// a workstation token at North and one naming no library.
struct Sharing {
    hub: support::Hub,
    north_token: String,
    sessions: std::collections::HashMap<&'static str, String>,
}

const PASSWORD: &str = "interlibrary-loan-desk-2026";

async fn sharing() -> Sharing {
    let hub = hub().await;
    let roster: commons_hub::roster::Roster = serde_json::from_value(json!({
        "libraries": [
            {"id": "north", "name": "North Library", "time_zone": "UTC"},
            {"id": "south", "name": "South Library", "time_zone": "UTC"},
            {"id": "east", "name": "East Library", "time_zone": "UTC"},
        ],
        "librarians": [
            {"id": "lib-north", "name": "Nora North", "library": "north", "hours": []},
            {"id": "lib-south", "name": "Sam South", "library": "south", "hours": []},
            {"id": "lib-east", "name": "Eve East", "library": "east", "hours": []},
        ],
        "consultation_types": [],
    }))
    .unwrap();
    hub.import_roster(&roster).await;
    let mut sessions = std::collections::HashMap::new();
    for library in ["north", "south", "east"] {
        commons_hub::librarians::add(
            &hub.db,
            library,
            library,
            &format!("lib-{library}"),
            PASSWORD,
        )
        .await
        .unwrap();
        let (status, body) = hub
            .post(
                "/api/v1/sessions",
                &json!({"username": library, "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        sessions.insert(library, body["session"].as_str().unwrap().to_owned());
    }
    let north_token = commons_hub::tokens::create_for(&hub.db, "North IC-01", Some("north"))
        .await
        .unwrap();
    Sharing {
        hub,
        north_token,
        sessions,
    }
}

impl Sharing {
    /// A work held by `holders` (library, holding status), as a harvest would store it.
    async fn work(&self, work: i64, title: &str, holders: &[(&str, &str)]) {
        let client = self.hub.db.pool.get().await.unwrap();
        for (library, status) in holders {
            let record = json!({
                "format": "book",
                "description": {"title": title},
                "holdings": [{"library": library, "call_number": "PS3552", "location": "MAIN", "status": status, "due_date": null}],
            });
            client
                .execute(
                    "INSERT INTO source_records(library_id, oai_id, format, record, keys, work_id)
                     VALUES ($1, $2, 'marcxml', $3, '{}', $4)",
                    &[library, &format!("oai:{library}:{work}"), &record, &work],
                )
                .await
                .unwrap();
        }
    }

    /// `method path` with a token and, for a librarian, her session: status and answer.
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        librarian: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.hub.url);
        let mut r = match method {
            "GET" => self.hub.http.get(url),
            _ => self.hub.http.post(url),
        }
        .bearer_auth(token);
        if let Some(l) = librarian {
            r = r.header(SESSION_HEADER, &self.sessions[l]);
        }
        if let Some(b) = body {
            r = r.json(b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn place(&self, body: &Value) -> (u16, Value) {
        self.call(
            "POST",
            "/api/v1/requests",
            &self.north_token,
            None,
            Some(body),
        )
        .await
    }

    async fn step(&self, librarian: &str, code: &str, body: &Value) -> (u16, Value) {
        let path = format!("/api/v1/requests/{}/steps", code.replace('-', ""));
        self.call(
            "POST",
            &path,
            &self.north_token,
            Some(librarian),
            Some(body),
        )
        .await
    }

    async fn lookup(&self, code: &str, email: &str) -> (u16, Value) {
        let path = format!("/api/v1/requests/{}/lookup", code.replace('-', ""));
        self.call(
            "POST",
            &path,
            &self.north_token,
            None,
            Some(&json!({"email": email})),
        )
        .await
    }
}

fn request(key: &str, work: i64, service: &str) -> Value {
    json!({
        "idempotency_key": key,
        "record_id": format!("hub:{work}"),
        "service": service,
        "pickup_library": "north",
        "name": "Mei Chen",
        "card_number": "N-0012345",
        "email": "mei.chen@students.example.edu",
        "part": if service == "Loan" { Value::Null } else { json!("Chapter 3, pp. 41-67") },
        "copyright_accepted": service != "Loan",
    })
}

fn due() -> String {
    jiff::Zoned::now()
        .date()
        .saturating_add(jiff::Span::new().days(28))
        .to_string()
}

/// The JSON of a step, with what it needs (a due date for Loaned, a reason for Unfilled).
fn step_body(step: Step) -> Value {
    let mut body = json!({"step": step});
    match step {
        Step::Supplier(Status::Loaned) => body["due"] = json!(due()),
        Step::Supplier(Status::Unfilled | Status::RetryPossible) => {
            body["note"] = json!("not on the shelf")
        }
        _ => {}
    }
    body
}

/// Who takes a step: the supplier's librarian (South) or the pickup library's (North).
fn by(step: Step) -> &'static str {
    match step.party() {
        commons_protocol::sharing::Party::Supplier => "south",
        commons_protocol::sharing::Party::Requester => "north",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loan_goes_from_south_to_a_north_reader_and_back() {
    let s = sharing().await;
    s.work(
        101,
        "The Amazing Adventures of Kavalier & Clay",
        &[("south", "available"), ("north", "on_loan")],
    )
    .await;
    let (status, placed) = s.place(&request("k1", 101, "Loan")).await;
    assert_eq!(status, 201, "{placed}");
    let code = placed["code"].as_str().unwrap().to_owned();
    assert_eq!(
        placed["supplier"], "south",
        "North holds it too, but North is where it is picked up"
    );
    assert_eq!(placed["status"], "RequestReceived");
    assert_eq!(
        placed["patron"],
        Value::Null,
        "the reader's details are not sent back to a workstation"
    );

    let steps = [
        Step::Supplier(Status::WillSupply),
        Step::Supplier(Status::Loaned),
        Step::Requester(RequesterAction::Received),
        Step::LendToReader,
        Step::ReturnFromReader,
        Step::Requester(RequesterAction::ShippedReturn),
        Step::Supplier(Status::LoanCompleted),
    ];
    for step in steps {
        let (status, body) = s.step(by(step), &code, &step_body(step)).await;
        assert_eq!(status, 200, "{step:?}: {body}");
    }
    let (status, seen) = s.lookup(&code, "MEI.CHEN@students.example.edu").await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["status"], "LoanCompleted");
    let history: Vec<&str> = seen["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        [
            "placed",
            "routed",
            "WillSupply",
            "Loaned",
            "Received",
            "LentToReader",
            "ReturnedByReader",
            "ShippedReturn",
            "LoanCompleted"
        ]
    );
    assert_eq!(
        seen["history"][3]["note"],
        json!(due()),
        "Loaned carries its due date"
    );
    assert_eq!(seen["patron"], Value::Null);

    // Another email, or a code that does not exist: one answer.
    assert_eq!(s.lookup(&code, "someone@else.example").await.0, 404);
    assert_eq!(
        s.lookup("ZZZZ-ZZZZ", "mei.chen@students.example.edu")
            .await
            .0,
        404
    );

    // The librarians of the libraries involved see the reader; East does not see it at all.
    for (librarian, sees) in [("south", true), ("north", true), ("east", false)] {
        let (status, queue) = s
            .call(
                "GET",
                "/api/v1/requests",
                &s.north_token,
                Some(librarian),
                None,
            )
            .await;
        assert_eq!(status, 200, "{queue}");
        let mine = queue
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code.as_str());
        assert_eq!(mine.is_some(), sees, "{librarian}");
        if let Some(r) = mine {
            assert_eq!(r["patron"]["card_number"], "N-0012345");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_libraries_involved_take_their_own_steps() {
    let s = sharing().await;
    s.work(102, "Summerland", &[("south", "available")]).await;
    let (_, placed) = s.place(&request("k1", 102, "Loan")).await;
    let code = placed["code"].as_str().unwrap();
    // North cannot answer for South, South cannot say North received it, East nothing.
    let (status, body) = s
        .step(
            "north",
            code,
            &step_body(Step::Supplier(Status::WillSupply)),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let (status, _) = s
        .step("east", code, &step_body(Step::Supplier(Status::WillSupply)))
        .await;
    assert_eq!(status, 403);
    let (status, _) = s
        .step(
            "south",
            code,
            &step_body(Step::Requester(RequesterAction::Cancel)),
        )
        .await;
    assert_eq!(status, 403);
    // Out of order: received before it was shipped.
    let (status, body) = s
        .step(
            "north",
            code,
            &step_body(Step::Requester(RequesterAction::Received)),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("wrong_state")),
        "{body}"
    );
    // A loan is shipped with a due date, and Unfilled says why.
    let (status, body) = s
        .step(
            "south",
            code,
            &json!({"step": Step::Supplier(Status::Loaned)}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = s
        .step(
            "south",
            code,
            &json!({"step": Step::Supplier(Status::Unfilled)}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = s
        .step(
            "south",
            code,
            &json!({"step": Step::Supplier(Status::Loaned), "due": "2000-01-01"}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = s
        .step(
            "south",
            code,
            &json!({"step": Step::Supplier(Status::WillSupply), "note": "x".repeat(10_000)}),
        )
        .await;
    assert_eq!(status, 400);
    let (_, seen) = s.lookup(code, "mei.chen@students.example.edu").await;
    assert_eq!(
        seen["status"], "RequestReceived",
        "nothing refused changed the request"
    );
    assert_eq!(seen["history"].as_array().unwrap().len(), 2);
}

/// Every state of the table, every step, every service type: the hub allows exactly what
/// `transition` allows (a copy's completion comes with its file, never as a step).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_enforces_the_whole_transition_table() {
    let s = sharing().await;
    s.work(
        103,
        "A Table of Steps",
        &[("south", "available"), ("east", "available")],
    )
    .await;
    let client = s.hub.db.pool.get().await.unwrap();
    let (mut allowed, mut refused) = (0, 0);
    for service in ServiceType::ALL {
        let (status, placed) = s
            .place(&request(
                &format!("k-{}", service.as_str()),
                103,
                service.as_str(),
            ))
            .await;
        assert_eq!(status, 201, "{placed}");
        let code = placed["code"].as_str().unwrap().to_owned();
        for status in Status::ALL {
            for pickup in PickupStage::ALL {
                for step in Step::all() {
                    client
                        .execute(
                            "UPDATE sharing_requests SET status = $2, pickup_stage = $3, supplier = 'south', tried = '{}', closed_at = NULL
                             WHERE code = $1",
                            &[&code.replace('-', ""), &status.as_str(), &pickup.as_str()],
                        )
                        .await
                        .unwrap();
                    let from = State { status, pickup };
                    let expected = transition(service, from, step);
                    let (answer, body) = s.step(by(step), &code, &step_body(step)).await;
                    match expected {
                        Some(_) if step == Step::Supplier(Status::CopyCompleted) => {
                            assert_eq!(answer, 409, "{service:?} {from:?} {step:?}: {body}");
                            refused += 1;
                        }
                        Some(to) => {
                            assert_eq!(answer, 200, "{service:?} {from:?} {step:?}: {body}");
                            if to.status == Status::Unfilled {
                                // South could not: East is asked next.
                                assert_eq!(
                                    (body["status"].as_str(), body["supplier"].as_str()),
                                    (Some("RequestReceived"), Some("east"))
                                );
                            } else {
                                assert_eq!(
                                    body["status"],
                                    to.status.as_str(),
                                    "{service:?} {from:?} {step:?}"
                                );
                                assert_eq!(
                                    body["pickup"],
                                    to.pickup.as_str(),
                                    "{service:?} {from:?} {step:?}"
                                );
                            }
                            allowed += 1;
                        }
                        None => {
                            assert_eq!(
                                answer, 409,
                                "{service:?} {from:?} {step:?} was allowed: {body}"
                            );
                            assert_eq!(body["code"], "wrong_state");
                            refused += 1;
                        }
                    }
                }
            }
        }
    }
    println!("{allowed} steps allowed and {refused} refused, as the table says");
    assert!(allowed > 100 && refused > 1000, "{allowed} / {refused}");
}

/// A step's name in the history, back to the step.
fn parse_step(what: &str) -> Option<Step> {
    if let Some(s) = Status::parse(what) {
        return Some(Step::Supplier(s));
    }
    match what {
        "Received" => Some(Step::Requester(RequesterAction::Received)),
        "ShippedReturn" => Some(Step::Requester(RequesterAction::ShippedReturn)),
        "Cancel" => Some(Step::Requester(RequesterAction::Cancel)),
        "Renew" => Some(Step::Requester(RequesterAction::Renew)),
        "LentToReader" => Some(Step::LendToReader),
        "ReturnedByReader" => Some(Step::ReturnFromReader),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_steps_at_once_leave_one_valid_history() {
    let s = std::sync::Arc::new(sharing().await);
    s.work(104, "Crowded Desk", &[("south", "available")]).await;
    let (_, placed) = s.place(&request("k1", 104, "Loan")).await;
    let code = placed["code"].as_str().unwrap().to_owned();
    let pool = [
        Step::Supplier(Status::ExpectToSupply),
        Step::Supplier(Status::WillSupply),
        Step::Supplier(Status::Loaned),
        Step::Supplier(Status::Overdue),
        Step::Supplier(Status::Recalled),
        Step::Requester(RequesterAction::Received),
        Step::Requester(RequesterAction::Renew),
        Step::LendToReader,
        Step::ReturnFromReader,
        Step::Requester(RequesterAction::ShippedReturn),
        Step::Supplier(Status::LoanCompleted),
    ];
    // Two hundred at once; then ten waves of twenty, so that the request also moves on
    // between them.
    let mut ok = 0;
    let waves = std::iter::once(200).chain(std::iter::repeat_n(20, 10));
    let mut n = 0usize;
    for size in waves {
        let tasks: Vec<_> = (0..size)
            .map(|_| {
                let s = s.clone();
                let code = code.clone();
                n += 1;
                // A fixed scatter over the steps (Knuth's multiplicative hash).
                let step = pool[((n as u64 * 2_654_435_761) >> 7) as usize % pool.len()];
                tokio::spawn(async move { s.step(by(step), &code, &step_body(step)).await })
            })
            .collect();
        for t in tasks {
            match t.await.unwrap() {
                (200, _) => ok += 1,
                (409, body) => assert_eq!(body["code"], "wrong_state"),
                other => panic!("{other:?}"),
            }
        }
    }
    let (_, seen) = s.lookup(&code, "mei.chen@students.example.edu").await;
    let history = seen["history"].as_array().unwrap();
    assert_eq!(history.len(), 2 + ok, "one event per step taken");
    // Replayed from the start, the history is a walk of the table ending where the request is.
    let mut state = State::NEW;
    for e in &history[2..] {
        let step = parse_step(e["what"].as_str().unwrap()).unwrap();
        state = transition(ServiceType::Loan, state, step)
            .unwrap_or_else(|| panic!("{step:?} after {state:?}"));
        assert_eq!(
            (e["status"].as_str(), e["pickup"].as_str()),
            (Some(state.status.as_str()), Some(state.pickup.as_str()))
        );
    }
    assert_eq!(seen["status"], state.status.as_str());
    assert!(ok >= 3, "{ok} steps taken: {seen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfilled_asks_the_next_supplier_and_ends_when_none_is_left() {
    let s = sharing().await;
    // South has it on the shelf, East only on loan: South is asked first.
    s.work(
        105,
        "Rare Atlas",
        &[("east", "on_loan"), ("south", "available")],
    )
    .await;
    let (_, placed) = s.place(&request("k1", 105, "Loan")).await;
    let code = placed["code"].as_str().unwrap().to_owned();
    assert_eq!(placed["supplier"], "south");
    let (status, body) = s
        .step(
            "south",
            &code,
            &json!({"step": Step::Supplier(Status::Unfilled), "note": "missing from the shelf"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["supplier"].as_str(), body["status"].as_str()),
        (Some("east"), Some("RequestReceived"))
    );
    // South may no longer act on it; East may.
    assert_eq!(
        s.step(
            "south",
            &code,
            &step_body(Step::Supplier(Status::WillSupply))
        )
        .await
        .0,
        403
    );
    let (status, body) = s
        .step(
            "east",
            &code,
            &json!({"step": Step::Supplier(Status::Unfilled), "note": "on long-term loan"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, seen) = s.lookup(&code, "mei.chen@students.example.edu").await;
    assert_eq!(seen["status"], "Unfilled");
    assert_eq!(seen["supplier"], Value::Null);
    assert!(
        seen["unfilled_reason"]
            .as_str()
            .unwrap()
            .contains("on long-term loan"),
        "{seen}"
    );
    let what: Vec<&str> = seen["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        what,
        [
            "placed", "routed", "Unfilled", "routed", "Unfilled", "unfilled"
        ]
    );

    // Held only at the pickup library: no one else can, said at once.
    s.work(106, "Local Only", &[("north", "available")]).await;
    let (status, placed) = s.place(&request("k2", 106, "Loan")).await;
    assert_eq!(status, 201);
    assert_eq!(placed["status"], "Unfilled");
    assert_eq!(
        placed["unfilled_reason"],
        "No other member library holds it."
    );

    // With two suppliers on the shelf, the one with fewer open requests is asked.
    s.work(
        107,
        "Twin Copies",
        &[("south", "available"), ("east", "available")],
    )
    .await;
    let (_, first) = s.place(&request("k3", 107, "Loan")).await;
    let (_, second) = s.place(&request("k4", 107, "Loan")).await;
    assert_ne!(first["supplier"], second["supplier"], "{first} {second}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_and_nothing_is_kept() {
    let s = sharing().await;
    s.work(108, "Good Record", &[("south", "available")]).await;
    let mut cases = vec![
        ("an unknown record", json!({"record_id": "hub:999999"}), 404),
        (
            "not a union record id",
            json!({"record_id": "local:5"}),
            404,
        ),
        (
            "a pickup library that is not a member",
            json!({"pickup_library": "mars"}),
            400,
        ),
        (
            "a card number of the wrong form",
            json!({"card_number": "12"}),
            400,
        ),
        (
            "an email that is not one",
            json!({"email": "mei at example"}),
            400,
        ),
        (
            "a 10,000-character note",
            json!({"note": "x".repeat(10_000)}),
            400,
        ),
        (
            "a copy without the copyright declaration",
            json!({"service": "Copy", "part": "p. 4", "copyright_accepted": false}),
            400,
        ),
        (
            "an unknown service type",
            json!({"service": "Teleport"}),
            400,
        ),
    ];
    for (i, (what, change, expected)) in cases.drain(..).enumerate() {
        let mut body = request(&format!("bad-{i}"), 108, "Loan");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, answer) = s.place(&body).await;
        assert_eq!(status, expected, "{what}: {answer}");
        assert!(
            answer["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}: {answer}"
        );
    }
    // A workstation whose token names no library places nothing.
    let (status, answer) = s
        .call(
            "POST",
            "/api/v1/requests",
            &s.hub.token,
            None,
            Some(&request("x", 108, "Loan")),
        )
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (403, Some("forbidden")),
        "{answer}"
    );
    let client = s.hub.db.pool.get().await.unwrap();
    let count = |table: &'static str| {
        let client = &client;
        async move {
            client
                .query_one(&format!("SELECT count(*) FROM {table}"), &[])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    assert_eq!(
        (
            count("sharing_requests").await,
            count("sharing_patrons").await,
            count("sharing_events").await
        ),
        (0, 0, 0)
    );

    // The outbox sends again: the same request is the same answer; another with its key is refused.
    let (first, a) = s.place(&request("once", 108, "Loan")).await;
    let (again, b) = s.place(&request("once", 108, "Loan")).await;
    assert_eq!((first, again), (201, 200));
    assert_eq!(a["code"], b["code"]);
    let mut other = request("once", 108, "Loan");
    other["name"] = json!("Someone Else");
    let (status, answer) = s.place(&other).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (422, Some("idempotency_key_reused")),
        "{answer}"
    );
    assert_eq!(count("sharing_requests").await, 1);

    // A workstation draws the code (its reader leaves with it even offline): the hub keeps
    // it, and never gives one request's code to another.
    let mut chosen = request("chosen", 108, "Loan");
    chosen["code"] = json!("WXYZ-2345");
    let (status, answer) = s.place(&chosen).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (201, Some("WXYZ2345")),
        "{answer}"
    );
    let mut clash = request("clash", 108, "Loan");
    clash["code"] = json!("wxyz2345");
    let (status, answer) = s.place(&clash).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (409, Some("taken")),
        "{answer}"
    );
    assert_eq!(count("sharing_requests").await, 2);
}

/// After the retention period an ended request keeps its history for statistics and loses
/// its reader; an open one keeps both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_of_an_ended_request_is_forgotten_after_the_retention_period() {
    let s = sharing().await;
    s.work(109, "Forgettable", &[("south", "available")]).await;
    let (_, ended) = s.place(&request("k1", 109, "Loan")).await;
    let (_, open) = s.place(&request("k2", 109, "Loan")).await;
    let ended = ended["code"].as_str().unwrap().to_owned();
    let (status, _) = s
        .step(
            "north",
            &ended,
            &step_body(Step::Requester(RequesterAction::Cancel)),
        )
        .await;
    assert_eq!(status, 200);
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 91);
    let purged = commons_hub::purge::personal_data(&s.hub.db, 90, later)
        .await
        .unwrap();
    assert_eq!(purged.requests, 1);
    // Found by code and email no longer (the email is gone); the librarians see no reader.
    assert_eq!(
        s.lookup(&ended, "mei.chen@students.example.edu").await.0,
        404
    );
    // The purge ended the sessions too (unused for a day at that clock): sign in again.
    let (_, signed) = s
        .hub
        .post(
            "/api/v1/sessions",
            &json!({"username": "north", "password": PASSWORD}),
        )
        .await;
    let queue: Value = s
        .hub
        .http
        .get(format!("{}/api/v1/requests", s.hub.url))
        .bearer_auth(&s.north_token)
        .header(SESSION_HEADER, signed["session"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let by_code = |code: &str| {
        queue
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_code(&ended)["patron"], Value::Null);
    assert_eq!(
        by_code(&ended)["history"].as_array().unwrap().len(),
        3,
        "the history stays"
    );
    assert_eq!(
        by_code(open["code"].as_str().unwrap())["patron"]["name"],
        "Mei Chen"
    );
}

/// Document delivery: the supplier's librarian uploads the scanned PDF, which completes a
/// copy request; the reader opens it at a workstation of the pickup library with the code
/// and email, until it expires; then row and file are gone. Not a PDF, too large, the
/// wrong library or a loan: refused, nothing stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivered_copy_completes_the_request_and_expires() {
    let s = sharing().await;
    s.work(130, "Copy Record", &[("south", "available")]).await;
    s.work(131, "Loan Record", &[("south", "available")]).await;
    let docs = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let shared = commons_hub::server::Shared {
        db: s.hub.db.clone(),
        documents: Some(std::sync::Arc::new(docs.path().to_owned())),
        delivery: commons_hub::server::Delivery {
            days: 14,
            max_bytes: 1024 * 1024,
        },
        requests_per_hour: commons_hub::sharing::REQUESTS_PER_HOUR,
    };
    tokio::spawn(
        async move { axum::serve(listener, commons_hub::server::router_with(shared)).await },
    );
    let (status, copy) = s.place(&request("copy", 130, "Copy")).await;
    assert_eq!(status, 201, "{copy}");
    let code = copy["code"].as_str().unwrap().to_owned();
    let (status, loan) = s.place(&request("loan", 131, "Loan")).await;
    assert_eq!(status, 201, "{loan}");
    let loan_code = loan["code"].as_str().unwrap().to_owned();
    let deliver = |librarian: &'static str, code: String, body: Vec<u8>| {
        let request = s
            .hub
            .http
            .post(format!("{url}/api/v1/requests/{code}/delivery"))
            .bearer_auth(&s.north_token)
            .header(SESSION_HEADER, &s.sessions[librarian])
            .header("content-type", "application/pdf")
            .body(body);
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let pdf = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus/pdf/clippath.pdf"),
    )
    .unwrap();
    let files = |dir: &std::path::Path| {
        std::fs::read_dir(dir.join("deliveries"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    // Refused, with nothing kept: the pickup library's librarian, not a PDF, too large, a loan.
    assert_eq!(deliver("north", code.clone(), pdf.clone()).await.0, 403);
    assert_eq!(
        deliver("south", code.clone(), b"just text".to_vec())
            .await
            .0,
        400
    );
    let mut large = b"%PDF-1.4\n".to_vec();
    large.resize(1024 * 1024 + 10, b' ');
    assert_eq!(deliver("south", code.clone(), large).await.0, 413);
    assert_eq!(deliver("south", loan_code, pdf.clone()).await.0, 409);
    assert_eq!(files(docs.path()), 0);

    // South delivers: the copy request is complete, and the reader's view says until when.
    let (status, view) = deliver("south", code.clone(), pdf.clone()).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["status"], "CopyCompleted");
    let until: jiff::Timestamp = view["delivered_until"].as_str().unwrap().parse().unwrap();
    let days = (until - jiff::Timestamp::now()).get_seconds() / 86_400;
    assert!((13..=14).contains(&days), "{until}");
    assert_eq!(files(docs.path()), 1);
    // Delivered once: a second upload meets a completed request.
    assert_eq!(deliver("south", code.clone(), pdf.clone()).await.0, 409);

    // The reader opens it at North with the code and email; not with another email, and not
    // at a workstation of another library.
    let open = |token: String, email: &'static str| {
        let request = s
            .hub
            .http
            .post(format!("{url}/api/v1/requests/{code}/delivery/open"))
            .bearer_auth(token)
            .json(&json!({"email": email}));
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.bytes().await.unwrap().to_vec())
        }
    };
    let (status, bytes) = open(s.north_token.clone(), "MEI.CHEN@students.example.edu").await;
    assert_eq!(status, 200);
    assert_eq!(bytes, pdf);
    assert_eq!(
        open(s.north_token.clone(), "someone@example.edu").await.0,
        404
    );
    let east = commons_hub::tokens::create_for(&s.hub.db, "East IC-01", Some("east"))
        .await
        .unwrap();
    assert_eq!(open(east, "mei.chen@students.example.edu").await.0, 403);

    // Expired: never served again, then row and file deleted.
    let client = s.hub.db.pool.get().await.unwrap();
    client
        .execute(
            "UPDATE sharing_deliveries SET expires_at = now() - interval '1 minute'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        open(s.north_token.clone(), "mei.chen@students.example.edu")
            .await
            .0,
        404
    );
    let (_, view) = s.lookup(&code, "mei.chen@students.example.edu").await;
    assert_eq!(view["delivered_until"], Value::Null);
    assert_eq!(
        commons_hub::sharing::expire_deliveries(&s.hub.db, Some(docs.path()))
            .await
            .unwrap(),
        1
    );
    assert_eq!(files(docs.path()), 0);
    // The request and its history stay, for the statistics.
    assert_eq!(view["status"], "CopyCompleted");
}

/// Statistics: per pair of libraries and discipline, lent, unfilled, turnaround; a
/// librarian sees her library's, the office everyone's; nothing about a reader.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_count_lending_per_pair_and_discipline() {
    let s = sharing().await;
    s.work(140, "Lent", &[("south", "available")]).await;
    s.work(141, "Refused", &[("south", "available")]).await;
    s.work(142, "Cancelled", &[("south", "available")]).await;
    let place = |key: &'static str, work: i64, discipline: &'static str| {
        let mut r = request(key, work, "Loan");
        r["discipline"] = json!(discipline);
        r
    };
    let (_, lent) = s.place(&place("s1", 140, "american-literature")).await;
    let (_, refused) = s.place(&place("s2", 141, "american-literature")).await;
    let (_, cancelled) = s.place(&place("s3", 142, "physics")).await;
    let code = |v: &Value| v["code"].as_str().unwrap().to_owned();
    for step in [
        Step::Supplier(Status::WillSupply),
        Step::Supplier(Status::Loaned),
        Step::Requester(RequesterAction::Received),
    ] {
        let (status, body) = s.step(by(step), &code(&lent), &step_body(step)).await;
        assert_eq!(status, 200, "{body}");
    }
    let unfilled = Step::Supplier(Status::Unfilled);
    let (status, body) = s.step("south", &code(&refused), &step_body(unfilled)).await;
    assert_eq!(status, 200, "{body}");
    let cancel = Step::Requester(RequesterAction::Cancel);
    let (status, body) = s.step("north", &code(&cancelled), &step_body(cancel)).await;
    assert_eq!(status, 200, "{body}");
    // A discipline that is not an id is refused with the rest of the request.
    let (status, _) = s.place(&place("s4", 140, "Physics; DROP TABLE")).await;
    assert_eq!(status, 400);

    let (status, north) = s
        .call(
            "GET",
            "/api/v1/requests/statistics?days=30",
            &s.north_token,
            Some("north"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{north}");
    assert_eq!(north["library"], "north");
    let rows = north["rows"].as_array().unwrap();
    let lit = rows
        .iter()
        .find(|r| r["discipline"] == "american-literature")
        .unwrap();
    assert_eq!(
        (
            &lit["supplier"],
            &lit["borrower"],
            &lit["requests"],
            &lit["filled"],
            &lit["unfilled"],
            &lit["loans"]
        ),
        (
            &json!("south"),
            &json!("north"),
            &json!(2),
            &json!(1),
            &json!(1),
            &json!(1)
        ),
        "{lit}"
    );
    assert!(lit["median_turnaround_minutes"].as_u64().is_some(), "{lit}");
    let physics = rows.iter().find(|r| r["discipline"] == "physics").unwrap();
    assert_eq!(
        (&physics["cancelled"], &physics["filled"]),
        (&json!(1), &json!(0))
    );
    assert!(
        !north.to_string().contains("Mei"),
        "no reader in the statistics"
    );
    // East took no part: nothing. Out of range: refused.
    let (_, east) = s
        .call(
            "GET",
            "/api/v1/requests/statistics?days=30",
            &s.north_token,
            Some("east"),
            None,
        )
        .await;
    assert_eq!(east["rows"], json!([]));
    let (status, _) = s
        .call(
            "GET",
            "/api/v1/requests/statistics?days=0",
            &s.north_token,
            Some("north"),
            None,
        )
        .await;
    assert_eq!(status, 422);
    // The office sees every library's.
    commons_hub::librarians::add_with_role(
        &s.hub.db,
        "office",
        "Consortium Office",
        "",
        PASSWORD,
        commons_hub::librarians::Role::Office,
    )
    .await
    .unwrap();
    let (status, signed) = s
        .hub
        .post(
            "/api/v1/sessions",
            &json!({"username": "office", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 201, "{signed}");
    let office = s
        .hub
        .http
        .get(format!("{}/api/v1/requests/statistics?days=30", s.hub.url))
        .bearer_auth(&s.north_token)
        .header(SESSION_HEADER, signed["session"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(office["library"], Value::Null);
    assert_eq!(office["rows"].as_array().unwrap().len(), 2, "{office}");
}

/// The consortium's order of suppliers: among members with an available copy, those it
/// lists are asked first, in its order; without one, fewest open requests (then id).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consortium_orders_its_suppliers() {
    let s = sharing().await;
    s.work(
        150,
        "Held by two",
        &[("south", "available"), ("east", "available")],
    )
    .await;
    s.work(
        151,
        "Only on loan at South",
        &[("south", "on_loan"), ("east", "available")],
    )
    .await;
    let supplier = |v: &Value| v["supplier"].as_str().unwrap().to_owned();
    let (_, first) = s.place(&request("o1", 150, "Loan")).await;
    assert_eq!(
        supplier(&first),
        "east",
        "no order: equal open requests, then by id"
    );
    let (_, second) = s.place(&request("o2", 150, "Loan")).await;
    assert_eq!(supplier(&second), "south", "east has one open request now");

    commons_hub::sharing::set_supplier_order(&s.hub.db, &["south".into(), "east".into()])
        .await
        .unwrap();
    assert_eq!(
        commons_hub::sharing::supplier_order(&s.hub.db)
            .await
            .unwrap(),
        ["south", "east"]
    );
    let (_, third) = s.place(&request("o3", 150, "Loan")).await;
    assert_eq!(supplier(&third), "south", "first in the consortium's order");
    // An available copy still comes first: South's is on loan.
    let (_, fourth) = s.place(&request("o4", 151, "Loan")).await;
    assert_eq!(supplier(&fourth), "east");
    // South declines: the next in order is asked.
    let unfilled = Step::Supplier(Status::Unfilled);
    let (status, after) = s
        .step(
            "south",
            third["code"].as_str().unwrap(),
            &step_body(unfilled),
        )
        .await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(supplier(&after), "east");

    // An unknown library or one named twice changes nothing; none clears the order.
    for bad in [
        vec!["south".to_owned(), "mars".to_owned()],
        vec!["east".into(), "east".into()],
    ] {
        assert!(
            commons_hub::sharing::set_supplier_order(&s.hub.db, &bad)
                .await
                .is_err()
        );
    }
    assert_eq!(
        commons_hub::sharing::supplier_order(&s.hub.db)
            .await
            .unwrap(),
        ["south", "east"]
    );
    commons_hub::sharing::set_supplier_order(&s.hub.db, &[])
        .await
        .unwrap();
    assert!(
        commons_hub::sharing::supplier_order(&s.hub.db)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A workstation places at most `requests_per_hour` requests in any hour: the next is
/// refused with the seconds to wait (429, Retry-After), nothing stored; a key sent again
/// is still answered; another workstation is not held back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workstation_places_at_most_its_hourly_share() {
    let s = sharing().await;
    s.work(140, "Hourly Record", &[("south", "available")])
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let shared = commons_hub::server::Shared {
        db: s.hub.db.clone(),
        documents: None,
        delivery: commons_hub::server::Delivery::default(),
        requests_per_hour: 3,
    };
    tokio::spawn(
        async move { axum::serve(listener, commons_hub::server::router_with(shared)).await },
    );
    let place = |token: String, body: Value| {
        let (http, url) = (s.hub.http.clone(), url.clone());
        async move {
            let r = http
                .post(format!("{url}/api/v1/requests"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let wait = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
            (status, wait, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    for i in 0..3 {
        let (status, _, body) = place(
            s.north_token.clone(),
            request(&format!("hour-{i}"), 140, "Loan"),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let count = || async {
        let client = s.hub.db.pool.get().await.unwrap();
        client
            .query_one("SELECT count(*) FROM sharing_requests", &[])
            .await
            .unwrap()
            .get::<_, i64>(0)
    };
    assert_eq!(count().await, 3);
    let (status, wait, body) = place(s.north_token.clone(), request("hour-3", 140, "Loan")).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "too_many_attempts", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("3 requests in the last hour"),
        "{body}"
    );
    let wait = wait.expect("Retry-After");
    assert!(
        (3500..=3600).contains(&wait),
        "waits until the hour has passed: {wait}"
    );
    assert_eq!(body["retry_after"], wait, "{body}");
    assert_eq!(count().await, 3, "nothing stored");
    // Sent again (an outbox that did not hear the answer): answered from the first.
    let (status, _, body) = place(s.north_token.clone(), request("hour-0", 140, "Loan")).await;
    assert_eq!(status, 200, "{body}");
    // Another workstation of the same library has its own share.
    let other = commons_hub::tokens::create_for(&s.hub.db, "North IC-02", Some("north"))
        .await
        .unwrap();
    let (status, _, body) = place(other, request("hour-other", 140, "Loan")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(count().await, 4);
}
