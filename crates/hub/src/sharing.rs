//! Resource sharing on the hub: placing a reader's request, choosing its supplier, the
//! librarians' steps through ISO 18626's statuses (checked against
//! [`commons_protocol::sharing::transition`], the one table), and the history a reader
//! looks up with the request's code and email.
//!
//! **Routing.** The supplier is a member library holding the work, never the pickup
//! library: those with an available copy first, then the others (the reader waits or the
//! copy is recalled); within each group, the consortium's order of suppliers
//! ([`set_supplier_order`]) first, then fewest open requests, then by id. A supplier's Unfilled
//! sends the request to the next one; when none is left the request ends Unfilled, with
//! the last reason given.
//!
//! **Concurrency.** A step locks its request's row (`FOR UPDATE`) and checks the table
//! against the state it reads there, so steps sent at once on one request apply one after
//! the other and each sees the state the one before left: the history is always a valid
//! walk of the table.

use commons_protocol::sharing::{
    NewRequest, Party, Patron, PickupStage, RequestEvent, RequestView, STATS_DAYS_MAX,
    STEP_NOTE_MAX, ServiceType, SharingPair, SharingStats, State, Status, Step, StepRequest,
    transition,
};
use commons_protocol::{ApiCode, BookingCode, Sha256};
use deadpool_postgres::Transaction;

use crate::db::{Db, HubError};

/// Why a request or a step was refused: the code the protocol names, and a sentence.
#[derive(Debug)]
pub enum Refused {
    Api(ApiCode, String),
    /// Not now: the seconds to wait, and why.
    Wait(u64, String),
    Hub(HubError),
}

impl From<HubError> for Refused {
    fn from(e: HubError) -> Refused {
        Refused::Hub(e)
    }
}

impl From<tokio_postgres::Error> for Refused {
    fn from(e: tokio_postgres::Error) -> Refused {
        Refused::Hub(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for Refused {
    fn from(e: deadpool_postgres::PoolError) -> Refused {
        Refused::Hub(e.into())
    }
}

fn refuse<T>(code: ApiCode, message: impl Into<String>) -> Result<T, Refused> {
    Err(Refused::Api(code, message.into()))
}

/// A request placed: new (201) or the same one sent again (200).
#[derive(Debug)]
pub enum Placed {
    New(RequestView),
    Replayed(RequestView),
}

/// The member library of a librarian (from the roster), if she has one.
pub async fn librarian_library(db: &Db, librarian_id: &str) -> Result<Option<String>, HubError> {
    let client = db.pool.get().await?;
    Ok(client
        .query_opt(
            "SELECT library_id FROM librarians WHERE id = $1 AND left_at IS NULL",
            &[&librarian_id],
        )
        .await?
        .map(|r| r.get(0)))
}

/// The union record id a workstation shows (`hub:123`) as the hub's work id.
fn work_id(record_id: &str) -> Option<i64> {
    record_id
        .strip_prefix("hub:")?
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

/// The member library to ask next for work `$2`, picked up at `$3`, already refused by the
/// libraries in `$4`: the holders with an available copy first, then the consortium's
/// order, then fewest open requests, then by id. Placing and re-routing rank alike.
macro_rules! next_supplier {
    () => {
        "SELECT s.library_id
         FROM source_records s
         LEFT JOIN LATERAL jsonb_array_elements(
             CASE WHEN jsonb_typeof(s.record->'holdings') = 'array' THEN s.record->'holdings' ELSE '[]'::jsonb END) h ON true
         WHERE s.work_id = $2 AND s.library_id <> $3 AND NOT (s.library_id = ANY($4))
         GROUP BY s.library_id
         ORDER BY COALESCE(bool_or(h->>'status' = 'available'), false) DESC,
                  (SELECT position FROM sharing_supplier_order p WHERE p.library_id = s.library_id) ASC NULLS LAST,
                  (SELECT count(*) FROM sharing_requests o WHERE o.supplier = s.library_id AND o.closed_at IS NULL) ASC,
                  s.library_id
         LIMIT 1"
    };
}

/// One event of a request's history as JSON (`e` is a row of `sharing_events`), as
/// [`RequestEvent`] reads it.
macro_rules! history_event {
    () => {
        "json_build_object(
             'at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),
             'supplier', e.supplier, 'status', e.status, 'pickup', e.pickup_stage,
             'what', e.what, 'note', e.note)"
    };
}

/// Requests a workstation may place in any hour unless `[sharing] requests_per_hour` says
/// otherwise: one a minute is more than a reader at a public workstation needs.
pub const REQUESTS_PER_HOUR: u32 = 60;

/// Why a request ends Unfilled when no member but the pickup library holds it.
const NO_OTHER_HOLDER: &str = "No other member library holds it.";

/// Places a reader's request from the workstation whose token's SHA-256 is `token_hash`; the
/// member library its token names is the requesting library. A workstation places at most
/// `per_hour` requests in any hour (a key sent again is still answered): whoever is at its
/// keyboard cannot flood the suppliers' queues.
///
/// A new request is one statement, so one round trip and its own transaction: the facts it
/// depends on are read, the supplier chosen, the request, its reader and its first two
/// events written, and the answer returned from what was written. Anything else (a key sent
/// again, a refusal, a code drawn twice) is told apart afterwards from what it returned.
pub async fn place(
    db: &Db,
    token_hash: &str,
    per_hour: u32,
    r: &NewRequest,
) -> Result<Placed, Refused> {
    let problems = r.problems();
    if !problems.is_empty() {
        let said: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect();
        return refuse(ApiCode::Invalid, said.join("; "));
    }
    let body_hash = Sha256::of(
        serde_json::to_string(r)
            .map_err(|e| HubError::Internal(e.to_string()))?
            .as_bytes(),
    )
    .to_string();
    let mut client = db.pool.get().await?;
    let statement = client
        .prepare_cached(concat!(
            "WITH facts AS (
                 SELECT (SELECT record->'description'->>'title' FROM source_records WHERE work_id = $2
                         ORDER BY library_id, oai_id LIMIT 1) AS title,
                        EXISTS (SELECT 1 FROM source_records WHERE work_id = $2) AS held,
                        EXISTS (SELECT 1 FROM libraries WHERE id = $3) AS member,
                        (SELECT library_id FROM tokens WHERE hash = $5 AND revoked_at IS NULL) AS requesting,
                        (SELECT ceil(EXTRACT(EPOCH FROM placed_at + interval '1 hour' - now()))::bigint
                         FROM sharing_requests WHERE token_hash = $5 AND placed_at > now() - interval '1 hour'
                         ORDER BY placed_at DESC OFFSET $20::bigint - 1 LIMIT 1) AS wait),
             next AS (",
            next_supplier!(),
            "),
             r AS (
                 INSERT INTO sharing_requests(code, token_hash, idempotency_key, body_hash, work_id, title, service,
                     requesting_library, pickup_library, supplier, status, pickup_stage, discipline_id,
                     unfilled_reason, closed_at)
                 SELECT $1, $5, $6, $7, $2, COALESCE(f.title, ''), $8, f.requesting, $3, n.library_id,
                        CASE WHEN n.library_id IS NULL THEN $17 ELSE $16 END, $18, $9,
                        CASE WHEN n.library_id IS NULL THEN $19 END,
                        CASE WHEN n.library_id IS NULL THEN now() END
                 FROM facts f LEFT JOIN next n ON true
                 WHERE f.held AND f.member AND f.requesting IS NOT NULL AND f.wait IS NULL
                 ON CONFLICT DO NOTHING
                 RETURNING id, supplier, status, unfilled_reason, placed_at),
             reader AS (
                 INSERT INTO sharing_patrons(request_id, name, card_number, email, note, part, citation)
                 SELECT id, $10, $11, $12, $13, $14, $15 FROM r),
             e AS (
                 INSERT INTO sharing_events(request_id, supplier, status, pickup_stage, what, note)
                 SELECT r.id, x.supplier, x.status, $18, x.what, x.note
                 FROM r CROSS JOIN LATERAL (VALUES
                     (1, NULL::text, $16::text, 'placed', NULL::text),
                     (2, r.supplier, r.status, CASE WHEN r.supplier IS NULL THEN 'unfilled' ELSE 'routed' END,
                      r.unfilled_reason)) x(n, supplier, status, what, note)
                 ORDER BY x.n
                 RETURNING id, at, supplier, status, pickup_stage, what, note)
             SELECT f.title, f.held, f.member, f.requesting, r.supplier, r.status, r.unfilled_reason, r.placed_at,
                    (SELECT json_agg(",
            history_event!(),
            " ORDER BY e.id) FROM e), f.wait
             FROM facts f LEFT JOIN r ON true"
        ))
        .await?;
    let work = work_id(&r.record_id).unwrap_or(0);
    let trimmed = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let tried: &[String] = &[];
    let (name, card, email) = (r.name.trim(), r.card_number.trim(), r.email.trim());
    let (note, part, citation) = (trimmed(&r.note), trimmed(&r.part), trimmed(&r.citation));
    // The same key again (an outbox sending once more) meets the unique index: a request
    // still being placed with it is waited for, then answered from.
    let mut chosen = r.code;
    loop {
        let code = chosen.take().unwrap_or_else(BookingCode::random);
        let row = client
            .query_one(
                &statement,
                &[
                    &code.compact(),
                    &work,
                    &r.pickup_library,
                    &tried,
                    &token_hash,
                    &r.idempotency_key,
                    &body_hash,
                    &r.service.as_str(),
                    &r.discipline,
                    &name,
                    &card,
                    &email,
                    &note,
                    &part,
                    &citation,
                    &Status::RequestReceived.as_str(),
                    &Status::Unfilled.as_str(),
                    &PickupStage::Awaiting.as_str(),
                    &NO_OTHER_HOLDER,
                    &i64::from(per_hour.max(1)),
                ],
            )
            .await?;
        let (title, held, member): (Option<String>, bool, bool) =
            (row.get(0), row.get(1), row.get(2));
        let Some(requesting) = row.get::<_, Option<String>>(3) else {
            return refuse(
                ApiCode::Forbidden,
                "this workstation's token names no member library: requests are placed at a member library's workstation",
            );
        };
        if let Some(history) = row.get::<_, Option<serde_json::Value>>(8) {
            let bad = |what: &str| HubError::Internal(format!("a placed request's {what}"));
            let status: String = row.get(5);
            let placed: std::time::SystemTime = row.get(7);
            return Ok(Placed::New(RequestView {
                code,
                record_id: format!("hub:{work}"),
                title: title.unwrap_or_default(),
                service: r.service,
                requesting_library: requesting,
                pickup_library: r.pickup_library.clone(),
                supplier: row.get(4),
                status: Status::parse(&status).ok_or_else(|| bad("status"))?,
                pickup: PickupStage::Awaiting,
                due: None,
                placed_at: jiff::Timestamp::try_from(placed).map_err(|_| bad("time"))?,
                history: serde_json::from_value(history)
                    .map_err(|e| HubError::Internal(format!("a placed request's history: {e}")))?,
                patron: None,
                unfilled_reason: row.get(6),
                delivered_until: None,
            }));
        }
        if let Some(found) = client
            .query_opt(
                &client
                    .prepare_cached("SELECT id, body_hash FROM sharing_requests WHERE token_hash = $1 AND idempotency_key = $2")
                    .await?,
                &[&token_hash, &r.idempotency_key],
            )
            .await?
        {
            let (id, hash): (i64, String) = (found.get(0), found.get(1));
            if hash != body_hash {
                return refuse(
                    ApiCode::IdempotencyKeyReused,
                    "this idempotency key was used for another request",
                );
            }
            let tx = client.transaction().await?;
            let view = view(&tx, id, false).await?;
            tx.commit().await?;
            return Ok(Placed::Replayed(view));
        }
        if let Some(wait) = row.get::<_, Option<i64>>(9) {
            return Err(Refused::Wait(
                u64::try_from(wait).unwrap_or(0).max(1),
                format!(
                    "this workstation has placed {per_hour} requests in the last hour, as many as the consortium allows; the request is sent when the hour has passed"
                ),
            ));
        }
        if !held {
            return refuse(
                ApiCode::NotFound,
                format!("no record {} in the union catalogue", r.record_id),
            );
        }
        if !member {
            return refuse(
                ApiCode::Invalid,
                format!(
                    "pickup_library: {} is not a member library",
                    r.pickup_library
                ),
            );
        }
        if r.code.is_some() {
            // The code the workstation drew is another request's (almost never): the
            // workstation draws again.
            return refuse(
                ApiCode::Taken,
                "this request code is another request's; place the request again",
            );
        }
        // The code was drawn before: draw another.
    }
}

/// Sends request `id` (of `work`, picked up at `pickup`, already refused by `tried`) to
/// its next supplier, or ends it Unfilled when no member is left.
async fn route(
    tx: &Transaction<'_>,
    id: i64,
    work: i64,
    pickup: &str,
    tried: &[String],
    last_reason: Option<&str>,
) -> Result<(), HubError> {
    // Chosen, sent and written in the history in one statement (one round trip).
    let next: Option<String> = tx
        .query_opt(
            &tx.prepare_cached(concat!("WITH next AS (", next_supplier!(), "),
             u AS (UPDATE sharing_requests SET supplier = next.library_id, status = $5, updated_at = now()
                   FROM next WHERE id = $1 RETURNING next.library_id),
             e AS (INSERT INTO sharing_events(request_id, supplier, status, pickup_stage, what)
                   SELECT $1, library_id, $5, $6, 'routed' FROM u)
             SELECT library_id FROM u")).await?,
            &[
                &id,
                &work,
                &pickup,
                &tried,
                &Status::RequestReceived.as_str(),
                &PickupStage::Awaiting.as_str(),
            ],
        )
        .await?
        .map(|r| r.get(0));
    match next {
        Some(_) => {}
        None => {
            let reason = match (tried.is_empty(), last_reason) {
                (true, _) => NO_OTHER_HOLDER.to_owned(),
                (false, Some(r)) => {
                    format!("No member library could supply it (last answer: {r}).")
                }
                (false, None) => "No member library could supply it.".to_owned(),
            };
            tx.execute(
                &tx.prepare_cached("UPDATE sharing_requests SET supplier = NULL, status = $2, unfilled_reason = $3,
                     updated_at = now(), closed_at = now() WHERE id = $1").await?,
                &[&id, &Status::Unfilled.as_str(), &reason],
            )
            .await?;
            let state = State {
                status: Status::Unfilled,
                pickup: PickupStage::Awaiting,
            };
            event(tx, id, None, state, "unfilled", Some(&reason), None).await?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn event(
    tx: &Transaction<'_>,
    id: i64,
    supplier: Option<&str>,
    state: State,
    what: &str,
    note: Option<&str>,
    by: Option<&str>,
) -> Result<(), HubError> {
    tx.execute(
        &tx.prepare_cached("INSERT INTO sharing_events(request_id, supplier, status, pickup_stage, what, note, by_username)
         VALUES ($1, $2, $3, $4, $5, $6, $7)").await?,
        &[&id, &supplier, &state.status.as_str(), &state.pickup.as_str(), &what, &note, &by],
    )
    .await?;
    Ok(())
}

/// The name of a step in the history.
fn step_name(step: Step) -> String {
    match step {
        Step::Supplier(s) => s.as_str().to_owned(),
        Step::Requester(a) => a.as_str().to_owned(),
        Step::LendToReader => "LentToReader".to_owned(),
        Step::ReturnFromReader => "ReturnedByReader".to_owned(),
    }
}

/// A librarian of `library` takes `s` on the request with `code`.
pub async fn step(
    db: &Db,
    library: &str,
    username: &str,
    code: &str,
    s: &StepRequest,
) -> Result<RequestView, Refused> {
    take(db, library, username, code, s, None).await
}

/// A delivered copy: its file's SHA-256 and size, and how many days it is kept.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub sha256: String,
    pub bytes: i64,
    pub days: u32,
}

/// Where delivered copies live: `DIR/deliveries/<sha256>.pdf`, apart from the shared
/// documents (never announced, never served by SHA-256 alone).
pub fn delivery_path(dir: &std::path::Path, sha: &str) -> std::path::PathBuf {
    dir.join("deliveries").join(format!("{sha}.pdf"))
}

/// The supplier's librarian delivers the scanned copy of a copy request: the PDF is stored,
/// kept for `days`, and completes the request (CopyCompleted), all or nothing.
#[allow(clippy::too_many_arguments)]
pub async fn deliver(
    db: &Db,
    dir: &std::path::Path,
    library: &str,
    username: &str,
    code: &str,
    pdf: &[u8],
    max_bytes: u64,
    days: u32,
) -> Result<RequestView, Refused> {
    if !pdf.starts_with(b"%PDF-") {
        return refuse(
            ApiCode::Invalid,
            "file: this is not a PDF (it does not start with %PDF-)",
        );
    }
    if pdf.len() as u64 > max_bytes {
        return refuse(
            ApiCode::TooLarge,
            format!(
                "file: a delivered copy is at most {} MiB",
                max_bytes / (1024 * 1024)
            ),
        );
    }
    let sha = Sha256::of(pdf).to_string();
    let path = delivery_path(dir, &sha);
    let fresh = !path.exists();
    if fresh {
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)
            .map_err(|e| HubError::Internal(format!("{}: {e}", parent.display())))?;
        let temp = path.with_extension("new");
        std::fs::write(&temp, pdf)
            .and_then(|()| std::fs::rename(&temp, &path))
            .map_err(|e| HubError::Internal(format!("{}: {e}", path.display())))?;
    }
    let s = StepRequest {
        step: Step::Supplier(Status::CopyCompleted),
        due: None,
        note: None,
    };
    let delivered = Delivered {
        sha256: sha,
        bytes: i64::try_from(pdf.len()).unwrap_or(i64::MAX),
        days,
    };
    let result = take(db, library, username, code, &s, Some(&delivered)).await;
    if result.is_err() && fresh {
        // Nothing refers to it: the file goes with the refusal.
        let _ = std::fs::remove_file(&path);
    }
    result
}

async fn take(
    db: &Db,
    library: &str,
    username: &str,
    code: &str,
    s: &StepRequest,
    delivered: Option<&Delivered>,
) -> Result<RequestView, Refused> {
    let Some(code) = BookingCode::parse(code) else {
        return refuse(ApiCode::NotFound, "no request has this code");
    };
    let note = s.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > STEP_NOTE_MAX) {
        return refuse(
            ApiCode::Invalid,
            format!("a note is at most {STEP_NOTE_MAX} characters"),
        );
    }
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = tx
        .query_opt(
            &tx.prepare_cached(
                "SELECT id, service, supplier, pickup_library, status, pickup_stage
             FROM sharing_requests WHERE code = $1 FOR UPDATE",
            )
            .await?,
            &[&code.compact()],
        )
        .await?
    else {
        return refuse(ApiCode::NotFound, "no request has this code");
    };
    let id: i64 = row.get(0);
    let service = ServiceType::parse(row.get(1))
        .ok_or_else(|| HubError::Internal("a stored service type is unknown".into()))?;
    let supplier: Option<String> = row.get(2);
    let pickup: String = row.get(3);
    let from = State {
        status: Status::parse(row.get(4))
            .ok_or_else(|| HubError::Internal("a stored status is unknown".into()))?,
        pickup: PickupStage::parse(row.get(5))
            .ok_or_else(|| HubError::Internal("a stored stage is unknown".into()))?,
    };
    let allowed = match s.step.party() {
        Party::Supplier => supplier.as_deref() == Some(library),
        Party::Requester => pickup == library,
    };
    if !allowed {
        let whose = match s.step.party() {
            Party::Supplier => "the supplying library's",
            Party::Requester => "the pickup library's",
        };
        return refuse(
            ApiCode::Forbidden,
            format!("{} is {whose} to take", step_name(s.step)),
        );
    }
    let Some(to) = transition(service, from, s.step) else {
        return refuse(
            ApiCode::WrongState,
            format!(
                "{} cannot follow {} ({}) for a {} request",
                step_name(s.step),
                from.status.as_str(),
                from.pickup.as_str(),
                service.as_str()
            ),
        );
    };
    let mut due = None;
    match s.step {
        Step::Supplier(Status::Loaned) => {
            let Some(d) = s.due else {
                return refuse(ApiCode::Invalid, "due: a loan is shipped with its due date");
            };
            let today = jiff::Zoned::now().date();
            if d <= today || d > today.saturating_add(jiff::Span::new().days(366)) {
                return refuse(
                    ApiCode::Invalid,
                    "due: a due date is after today and within a year",
                );
            }
            due = Some(d);
        }
        Step::Supplier(Status::Unfilled | Status::RetryPossible) if note.is_none() => {
            return refuse(ApiCode::Invalid, "note: say why, for the reader");
        }
        Step::Supplier(Status::CopyCompleted) if delivered.is_none() => {
            // A copy is completed by delivering its file (document delivery), not by a step.
            return refuse(
                ApiCode::WrongState,
                "a copy is completed by delivering its file",
            );
        }
        _ => {}
    }
    let what = step_name(s.step);
    if to.status == Status::Unfilled {
        // This supplier cannot: the next one is asked, or the request ends.
        let supplier = supplier.unwrap_or_default();
        let row = tx
            .query_one(
                &tx.prepare_cached("UPDATE sharing_requests SET tried = array_append(tried, $2), updated_at = now() WHERE id = $1
                 RETURNING work_id, tried").await?,
                &[&id, &supplier],
            )
            .await?;
        let (work, tried): (i64, Vec<String>) = (row.get(0), row.get(1));
        event(&tx, id, Some(&supplier), to, &what, note, Some(username)).await?;
        route(&tx, id, work, &pickup, &tried, note).await?;
    } else {
        let received =
            s.step == Step::Requester(commons_protocol::sharing::RequesterAction::Received);
        tx.execute(
            &tx.prepare_cached("UPDATE sharing_requests SET status = $2, pickup_stage = $3, due = COALESCE($4::text::date, due), updated_at = now(),
                 received_at = CASE WHEN $5 THEN now() ELSE received_at END,
                 closed_at = CASE WHEN $6 THEN now() ELSE NULL END
             WHERE id = $1").await?,
            &[
                &id,
                &to.status.as_str(),
                &to.pickup.as_str(),
                &due.map(|d| d.to_string()),
                &received,
                &to.status.is_final(),
            ],
        )
        .await?;
        if let Some(d) = delivered {
            tx.execute(
                &tx.prepare_cached(
                    "INSERT INTO sharing_deliveries(request_id, sha256, bytes, expires_at)
                 VALUES ($1, $2, $3, now() + make_interval(days => $4))",
                )
                .await?,
                &[
                    &id,
                    &d.sha256,
                    &d.bytes,
                    &i32::try_from(d.days).unwrap_or(i32::MAX),
                ],
            )
            .await?;
        }
        let note = due.map(|d| d.to_string()).or(note.map(str::to_owned));
        event(
            &tx,
            id,
            supplier.as_deref(),
            to,
            &what,
            note.as_deref(),
            Some(username),
        )
        .await?;
    }
    let view = view(&tx, id, true).await?;
    tx.commit().await?;
    Ok(view)
}

/// A request as its reader looks it up: the code and the email given (one answer for an
/// unknown code and another email, so trying teaches nothing).
pub async fn lookup(db: &Db, code: &str, email: &str) -> Result<Option<RequestView>, HubError> {
    let Some(code) = BookingCode::parse(code) else {
        return Ok(None);
    };
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = tx
        .query_opt(
            &tx.prepare_cached(
                "SELECT r.id FROM sharing_requests r JOIN sharing_patrons p ON p.request_id = r.id
             WHERE r.code = $1 AND lower(p.email) = lower($2)",
            )
            .await?,
            &[&code.compact(), &email.trim()],
        )
        .await?
    else {
        return Ok(None);
    };
    let view = view(&tx, row.get(0), false).await?;
    tx.commit().await?;
    Ok(Some(view))
}

/// What a librarian of `library` works on: requests her library supplies and requests
/// picked up there, open ones first and oldest first, the reader's details included.
pub async fn queue(db: &Db, library: &str) -> Result<Vec<RequestView>, HubError> {
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    let ids: Vec<i64> = tx
        .query(
            &tx.prepare_cached(
                "SELECT id FROM sharing_requests WHERE supplier = $1 OR pickup_library = $1
             ORDER BY closed_at IS NOT NULL, placed_at, id LIMIT 500",
            )
            .await?,
            &[&library],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(view(&tx, id, true).await?);
    }
    tx.commit().await?;
    Ok(out)
}

/// Request `id` with its history; the reader's details only `with_patron`.
async fn view(tx: &Transaction<'_>, id: i64, with_patron: bool) -> Result<RequestView, HubError> {
    let bad = |what: &str| HubError::Internal(format!("a stored {what} is unknown"));
    // One round trip: the request, its history and (for librarians) its reader.
    let r = tx
        .query_one(
            &tx.prepare_cached(concat!("SELECT code, work_id, title, service, requesting_library, pickup_library, supplier, status, pickup_stage,
                    due::text, placed_at, unfilled_reason,
                    (SELECT COALESCE(json_agg(", history_event!(), " ORDER BY e.id), '[]'::json)
                     FROM sharing_events e WHERE e.request_id = r.id),
                    (SELECT json_build_object('name', p.name, 'card_number', p.card_number, 'email', p.email,
                         'note', p.note, 'part', p.part, 'citation', p.citation)
                     FROM sharing_patrons p WHERE p.request_id = r.id AND $2),
                    (SELECT to_char(d.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                     FROM sharing_deliveries d WHERE d.request_id = r.id AND d.expires_at > now())
             FROM sharing_requests r WHERE r.id = $1")).await?,
            &[&id, &with_patron],
        )
        .await?;
    let code = BookingCode::parse(r.get(0)).ok_or_else(|| bad("code"))?;
    let placed: std::time::SystemTime = r.get(10);
    let history: Vec<RequestEvent> = serde_json::from_value(r.get(12))
        .map_err(|e| HubError::Internal(format!("a stored event: {e}")))?;
    let patron: Option<Patron> = r
        .get::<_, Option<serde_json::Value>>(13)
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| HubError::Internal(format!("a stored reader: {e}")))?;
    let work: i64 = r.get(1);
    let due: Option<String> = r.get(9);
    let delivered: Option<String> = r.get(14);
    Ok(RequestView {
        code,
        record_id: format!("hub:{work}"),
        title: r.get(2),
        service: ServiceType::parse(r.get(3)).ok_or_else(|| bad("service type"))?,
        requesting_library: r.get(4),
        pickup_library: r.get(5),
        supplier: r.get(6),
        status: Status::parse(r.get(7)).ok_or_else(|| bad("status"))?,
        pickup: PickupStage::parse(r.get(8)).ok_or_else(|| bad("stage"))?,
        due: due.and_then(|d| d.parse().ok()),
        placed_at: jiff::Timestamp::try_from(placed).map_err(|_| bad("time"))?,
        history,
        patron,
        unfilled_reason: r.get(11),
        delivered_until: delivered.and_then(|t| t.parse().ok()),
    })
}

/// A delivered copy as its reader opens it: the request's code and email, at a workstation
/// of the pickup library, before it expires. The file's path and the request's title.
pub async fn open_delivery(
    db: &Db,
    dir: &std::path::Path,
    token_hash: &str,
    code: &str,
    email: &str,
) -> Result<(std::path::PathBuf, String), Refused> {
    let not_found = || {
        refuse(
            ApiCode::NotFound,
            "no delivered copy has this code and email",
        )
    };
    let Some(code) = BookingCode::parse(code) else {
        return not_found();
    };
    let client = db.pool.get().await?;
    let Some(row) = client
        .query_opt(
            "SELECT d.sha256, r.title, r.pickup_library,
                    (SELECT library_id FROM tokens WHERE hash = $3 AND revoked_at IS NULL)
             FROM sharing_requests r
             JOIN sharing_patrons p ON p.request_id = r.id
             JOIN sharing_deliveries d ON d.request_id = r.id
             WHERE r.code = $1 AND lower(p.email) = lower($2) AND d.expires_at > now()",
            &[&code.compact(), &email.trim(), &token_hash],
        )
        .await?
    else {
        return not_found();
    };
    let (sha, title, pickup, here): (String, String, String, Option<String>) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    if here.as_deref() != Some(pickup.as_str()) {
        return refuse(
            ApiCode::Forbidden,
            "a delivered copy opens at a workstation of the pickup library",
        );
    }
    Ok((delivery_path(dir, &sha), title))
}

/// Deletes delivered copies past their time: the rows, then each file no other delivery
/// still uses. Returns how many copies expired.
pub async fn expire_deliveries(db: &Db, dir: Option<&std::path::Path>) -> Result<u64, HubError> {
    let client = db.pool.get().await?;
    let gone: Vec<String> = client
        .query(
            "WITH d AS (DELETE FROM sharing_deliveries WHERE expires_at <= now() RETURNING sha256)
             SELECT DISTINCT sha256 FROM d
             WHERE NOT EXISTS (SELECT 1 FROM sharing_deliveries k WHERE k.sha256 = d.sha256 AND k.expires_at > now())",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if let Some(dir) = dir {
        for sha in &gone {
            if let Err(e) = std::fs::remove_file(delivery_path(dir, sha))
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(error = %e, "an expired delivered copy could not be deleted");
            }
        }
    }
    Ok(gone.len() as u64)
}

/// Why statistics were refused.
#[derive(Debug)]
pub enum StatsRefusal {
    /// The account is a librarian's without a member library in the roster.
    NoLibrary,
    Days,
}

/// Resource sharing's statistics over requests placed in the last `days` days: for a
/// librarian, the requests her library supplied or picked up; for the office, all. Counts
/// per pair of libraries and discipline, nothing about a reader.
pub async fn statistics(
    db: &Db,
    username: &str,
    days: u32,
) -> Result<Result<SharingStats, StatsRefusal>, HubError> {
    if !(1..=STATS_DAYS_MAX).contains(&days) {
        return Ok(Err(StatsRefusal::Days));
    }
    let client = db.pool.get().await?;
    let Some(account) = client
        .query_opt(
            "SELECT a.role, l.library_id FROM librarian_accounts a
             LEFT JOIN librarians l ON l.id = a.librarian_id AND l.left_at IS NULL
             WHERE a.username = $1",
            &[&username],
        )
        .await?
    else {
        return Ok(Err(StatsRefusal::NoLibrary));
    };
    let library: Option<String> = if account.get::<_, String>(0) == "office" {
        None
    } else {
        match account.get::<_, Option<String>>(1) {
            Some(l) => Some(l),
            None => return Ok(Err(StatsRefusal::NoLibrary)),
        }
    };
    let filled = "r.received_at IS NOT NULL OR r.status IN ('Loaned', 'Overdue', 'Recalled', 'LoanCompleted', 'CompletedWithoutReturn', 'CopyCompleted')";
    let sql = format!(
        "SELECT COALESCE(r.supplier, r.tried[cardinality(r.tried)], ''), r.pickup_library, r.discipline_id,
                count(*), count(*) FILTER (WHERE {filled}),
                count(*) FILTER (WHERE r.status = 'Unfilled'),
                count(*) FILTER (WHERE r.status = 'Cancelled'),
                count(*) FILTER (WHERE r.service <> 'Copy' AND r.received_at IS NOT NULL),
                count(*) FILTER (WHERE r.status = 'CopyCompleted'),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
                    CASE WHEN r.status = 'CopyCompleted' THEN r.closed_at ELSE r.received_at END - r.placed_at) / 60)
         FROM sharing_requests r
         WHERE r.placed_at >= now() - make_interval(days => $1)
           AND ($2::text IS NULL OR r.supplier = $2 OR r.pickup_library = $2 OR $2 = ANY(r.tried))
         GROUP BY 1, 2, 3
         ORDER BY 1, 2, 3"
    );
    let rows = client
        .query(&sql, &[&i32::try_from(days).unwrap_or(i32::MAX), &library])
        .await?;
    let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    let rows = rows
        .iter()
        .map(|r| SharingPair {
            supplier: r.get(0),
            borrower: r.get(1),
            discipline: r.get(2),
            requests: n(r.get(3)),
            filled: n(r.get(4)),
            unfilled: n(r.get(5)),
            cancelled: n(r.get(6)),
            loans: n(r.get(7)),
            copies_delivered: n(r.get(8)),
            median_turnaround_minutes: r
                .get::<_, Option<f64>>(9)
                .map(|m| m.max(0.0).round() as u32),
        })
        .collect();
    Ok(Ok(SharingStats {
        library,
        days,
        rows,
    }))
}

/// Sets the consortium's order of supplying libraries (empty: none, fewest open requests
/// decide alone). Every id must be a member library; nothing changes otherwise.
pub async fn set_supplier_order(db: &Db, libraries: &[String]) -> Result<(), HubError> {
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = libraries.iter().find(|l| !seen.insert(l.as_str())) {
        return Err(HubError::Invalid(format!("{twice} is named twice")));
    }
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    let known: Vec<String> = tx
        .query(
            &tx.prepare_cached("SELECT id FROM libraries WHERE id = ANY($1)")
                .await?,
            &[&libraries],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if let Some(unknown) = libraries.iter().find(|l| !known.contains(l)) {
        return Err(HubError::Invalid(format!(
            "{unknown} is not a member library"
        )));
    }
    tx.execute(
        &tx.prepare_cached("DELETE FROM sharing_supplier_order")
            .await?,
        &[],
    )
    .await?;
    for (i, library) in libraries.iter().enumerate() {
        tx.execute(
            &tx.prepare_cached(
                "INSERT INTO sharing_supplier_order(library_id, position) VALUES ($1, $2)",
            )
            .await?,
            &[library, &i32::try_from(i).unwrap_or(i32::MAX)],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The consortium's order of supplying libraries.
pub async fn supplier_order(db: &Db) -> Result<Vec<String>, HubError> {
    let client = db.pool.get().await?;
    Ok(client
        .query(
            "SELECT library_id FROM sharing_supplier_order ORDER BY position",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}
