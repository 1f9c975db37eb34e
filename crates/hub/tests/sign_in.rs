//! Guessing librarians' passwords through the hub: throttled per user name at a
//! workstation, per user name everywhere and per workstation, answered 429 with
//! `Retry-After`, and never at the cost of the feed.

use std::time::{Duration, Instant};

use serde_json::json;

mod support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_wrong_passwords_are_throttled_with_retry_after() {
    let hub = support::hub().await;
    hub.add_demo_librarian().await;
    let wrong = json!({"username": "librarian", "password": "not the password at all"});
    for i in 0..5 {
        let (s, body) = hub.post("/api/v1/sessions", &wrong).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (401, Some("wrong_credentials")),
            "attempt {i}"
        );
    }
    let r = hub
        .http
        .post(format!("{}/api/v1/sessions", hub.url))
        .bearer_auth(&hub.token)
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15).contains(&retry), "{retry}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "too_many_attempts");
    assert_eq!(body["retry_after"], retry);
    // While throttled, even the right password waits: the throttle is not an oracle.
    let (s, _) = hub
        .post(
            "/api/v1/sessions",
            &json!({"username": "librarian", "password": "meridian-demo"}),
        )
        .await;
    assert_eq!(s, 429);
    // Another name from another workstation is not held up by this one.
    let other = commons_hub::tokens::create(&hub.db, "IC-02").await.unwrap();
    let r = hub
        .http
        .post(format!("{}/api/v1/sessions", hub.url))
        .bearer_auth(&other)
        .json(&json!({"username": "someone", "password": "not the password at all"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // A guesser at one workstation holds her name up there only: at another, she signs in.
    let r = hub
        .http
        .post(format!("{}/api/v1/sessions", hub.url))
        .bearer_auth(&other)
        .json(&json!({"username": "librarian", "password": "meridian-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        201,
        "locked out everywhere by one workstation"
    );
}

/// Guessing one name from many workstations at once holds it up everywhere once the name's
/// own limit is reached, the right password included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_guessed_from_many_workstations_waits_everywhere() {
    use commons_hub::librarians::{FREE_FAILURES_PER_USER, FREE_FAILURES_PER_USER_HERE};
    let hub = support::hub().await;
    hub.add_demo_librarian().await;
    let wrong = json!({"username": "librarian", "password": "not the password at all"});
    let mut failures = 0;
    let mut workstation = 0;
    while failures < FREE_FAILURES_PER_USER {
        workstation += 1;
        let token = commons_hub::tokens::create(&hub.db, &format!("guesser-{workstation}"))
            .await
            .unwrap();
        for _ in 0..FREE_FAILURES_PER_USER_HERE.min(FREE_FAILURES_PER_USER - failures) {
            let r = hub
                .http
                .post(format!("{}/api/v1/sessions", hub.url))
                .bearer_auth(&token)
                .json(&wrong)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 401, "failure {failures}");
            failures += 1;
        }
    }
    let fresh = commons_hub::tokens::create(&hub.db, "IC-09").await.unwrap();
    let r = hub
        .http
        .post(format!("{}/api/v1/sessions", hub.url))
        .bearer_auth(&fresh)
        .json(&json!({"username": "librarian", "password": "meridian-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
}

/// 64 wrong sign-ins at once (each an Argon2 check) do not hold the database pool: the feed
/// answers meanwhile as it does at rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_does_not_starve_the_feed() {
    let hub = support::hub().await;
    let mut guesses = Vec::new();
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for i in 0..64 {
        let http = hub.http.clone();
        let url = format!("{}/api/v1/sessions", hub.url);
        let token = hub.token.clone();
        let answered = std::sync::Arc::clone(&answered);
        guesses.push(tokio::spawn(async move {
            let status = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({"username": format!("guess{i}"), "password": "not the password at all"}))
                .send()
                .await
                .map(|r| r.status().as_u16());
            answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            status
        }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let started = Instant::now();
        let r = hub
            .http
            .get(format!("{}/api/v1/changes?since=", hub.url))
            .bearer_auth(&hub.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        slowest = slowest.max(started.elapsed());
    }
    // The feed was answered while the guesses' password checks (two at a time, tens of
    // milliseconds each) were still going on: guessing does not hold it up. Asserted by
    // order, not by a time, so that a loaded machine cannot fail it.
    let answered_before_the_feed = answered.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        answered_before_the_feed < 64,
        "the feed answered only after every guess ({slowest:?})"
    );
    let mut statuses = Vec::new();
    for g in guesses {
        statuses.push(g.await.unwrap().unwrap());
    }
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&429),
        "the workstation is throttled after 20 failures"
    );
    eprintln!(
        "the feed answered in at most {slowest:?} during 64 wrong sign-ins, {answered_before_the_feed} of them answered by then"
    );
}
