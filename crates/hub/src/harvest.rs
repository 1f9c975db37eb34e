//! Harvesting member libraries over OAI-PMH into the union catalogue.
//!
//! A harvest asks Identify (granularity), then ListRecords from the day after the last
//! successful harvest (everything the first time), following resumption tokens. Each page is
//! applied in one transaction together with the token that follows it, so a harvest that
//! dies resumes from its last token; a provider that no longer knows that token
//! (`badResumptionToken`) is asked again from the harvest's `from`, which is harmless because
//! applying a record twice changes nothing. `noRecordsMatch` is a successful, empty harvest.
//! The provider's response date of the first page becomes the next `from`: a record changed
//! while the harvest ran is harvested again next time rather than missed.

/// The most pages one harvest follows (at 100 records a page, ten million records).
pub const PAGES_MAX: usize = 100_000;

use std::collections::BTreeSet;

use commons_catalogue::record::{CatalogueRecord, Description, Format};
use commons_catalogue::union::UnionHolding;
use commons_catalogue::xml::{self, Item};
use commons_protocol::feed::ChangeBody;
use serde::{Deserialize, Serialize};
use tokio_postgres::Transaction;

use crate::db::{Db, HubError};
use crate::merge::{self, Member};
use crate::oai::{FormatKind, OaiError, Provider, choose_format};

/// A source record as the hub keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Stored {
    format: Format,
    description: Description,
    holdings: Vec<UnionHolding>,
}

impl Stored {
    fn from_record(r: &CatalogueRecord) -> Stored {
        Stored {
            format: r.format.unwrap_or(Format::Other),
            description: r.description.clone(),
            holdings: r.holdings.iter().map(UnionHolding::from).collect(),
        }
    }

    fn to_record(&self) -> CatalogueRecord {
        CatalogueRecord {
            description: self.description.clone(),
            format: Some(self.format),
            holdings: self.holdings.iter().map(UnionHolding::to_holding).collect(),
        }
    }
}

/// What a harvest did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub pages: usize,
    /// Records added or changed.
    pub records: usize,
    pub unchanged: usize,
    pub deleted: usize,
    /// Records that could not be read, each with why.
    pub rejected: Vec<String>,
    /// The harvest went on from a stored resumption token.
    pub resumed: bool,
    /// The provider had forgotten the token; the harvest started again from its `from`.
    pub restarted: bool,
    /// Records kept apart because they would have joined more than `JOIN_WORKS_MAX` works.
    pub merges_refused: Vec<String>,
}

struct State {
    base_url: Option<String>,
    prefix: String,
    /// The library's MARC, when set rather than detected per record.
    family: Option<commons_catalogue::unimarc::Family>,
    set: Option<String>,
    next_from: Option<String>,
    running_from: Option<String>,
    token: Option<String>,
}

async fn state(db: &Db, library: &str) -> Result<State, HubError> {
    let client = db.pool.get().await?;
    client
        .execute(
            "INSERT INTO harvests(library_id) SELECT id FROM libraries WHERE id = $1 ON CONFLICT DO NOTHING",
            &[&library],
        )
        .await?;
    let row = client
        .query_opt(
            "SELECT l.base_url, l.metadata_prefix, l.set_spec, h.next_from, h.running_from, h.resumption_token,
                    l.marc_family
             FROM libraries l JOIN harvests h ON h.library_id = l.id WHERE l.id = $1",
            &[&library],
        )
        .await?
        .ok_or_else(|| HubError::Invalid(format!("no library `{library}`")))?;
    Ok(State {
        base_url: row.get(0),
        prefix: row.get(1),
        family: row
            .get::<_, Option<&str>>(6)
            .and_then(commons_catalogue::unimarc::Family::parse),
        set: row.get(2),
        next_from: row.get(3),
        running_from: row.get(4),
        token: row.get(5),
    })
}

/// A datestamp cut to the provider's granularity.
fn at_granularity(stamp: &str, granularity: Option<&str>) -> String {
    if granularity == Some("YYYY-MM-DD") {
        stamp.chars().take(10).collect()
    } else {
        stamp.to_owned()
    }
}

async fn note_error(db: &Db, library: &str, error: &str) -> Result<(), HubError> {
    let client = db.pool.get().await?;
    client
        .execute(
            "UPDATE harvests SET last_error = $2 WHERE library_id = $1",
            &[&library, &error],
        )
        .await?;
    Ok(())
}

/// Harvests one member library from its base URL; each request gives up after `timeout`.
pub async fn harvest(
    db: &Db,
    library: &str,
    timeout: std::time::Duration,
) -> Result<Report, HubError> {
    let st = state(db, library).await?;
    let Some(base) = st.base_url.clone() else {
        return Err(HubError::Invalid(format!(
            "library `{library}` has no OAI-PMH base URL (library add {library} --oai URL)"
        )));
    };
    let provider = Provider::new(&base, timeout).map_err(|e| HubError::Harvest(e.to_string()))?;
    harvest_from(db, library, &provider).await
}

/// The metadata prefix to harvest a provider with, and a sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixChoice {
    pub prefix: String,
    pub why: String,
}

/// Asks the provider at `base` which formats it offers (ListMetadataFormats). With `asked`,
/// checks that it is among them (a provider that cannot list its formats is taken at its
/// word); without, picks MARCXML by its namespace or schema whatever the provider calls it,
/// else MARCXchange, else Dublin Core.
pub async fn choose_prefix(
    base: &str,
    asked: Option<&str>,
    timeout: std::time::Duration,
) -> Result<PrefixChoice, HubError> {
    let provider = Provider::new(base, timeout).map_err(|e| HubError::Harvest(e.to_string()))?;
    let offered = match provider.request(&[("verb", "ListMetadataFormats")]).await {
        Ok((_, env)) => match env.errors.first() {
            Some((code, message)) => Err(format!("{code}: {message}")),
            None => Ok(env.metadata_formats),
        },
        Err(e) => Err(e.to_string()),
    };
    let names = |list: &[crate::oai::MetadataFormat]| {
        if list.is_empty() {
            "nothing".to_owned()
        } else {
            list.iter()
                .map(|f| f.prefix.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    match (asked, offered) {
        (Some(p), Ok(list)) if list.iter().any(|f| f.prefix == p) => Ok(PrefixChoice {
            prefix: p.to_owned(),
            why: format!("{p}, as asked (the provider offers {})", names(&list)),
        }),
        (Some(p), Ok(list)) => Err(HubError::Invalid(format!(
            "the provider does not offer `{p}`; it offers {}",
            names(&list)
        ))),
        (Some(p), Err(why)) => Ok(PrefixChoice {
            prefix: p.to_owned(),
            why: format!("{p}, as asked (the provider's formats could not be listed: {why})"),
        }),
        (None, Ok(list)) => match choose_format(&list) {
            Some((f, kind)) => Ok(PrefixChoice {
                prefix: f.prefix.clone(),
                why: format!(
                    "{}: {} by its {} (the provider offers {})",
                    f.prefix,
                    match kind {
                        FormatKind::Marcxml => "MARCXML",
                        FormatKind::Marcxchange => "MARCXchange",
                        FormatKind::DublinCore => "Dublin Core",
                    },
                    if f.namespace.is_empty() {
                        "schema"
                    } else {
                        "namespace"
                    },
                    names(&list)
                ),
            }),
            None => Err(HubError::Invalid(format!(
                "the provider offers neither MARCXML nor Dublin Core ({}); name a format with --prefix",
                names(&list)
            ))),
        },
        (None, Err(why)) => Err(HubError::Harvest(format!(
            "the provider's formats could not be listed ({why}); name one with --prefix"
        ))),
    }
}

/// Harvests one member library from `provider`. One harvest of a library at a time, across
/// every hub process on the database: a PostgreSQL session advisory lock is held on its own
/// connection for the whole harvest (and released if the process dies); a second harvest
/// of the same library is refused at once, with the reason, and writes nothing.
pub async fn harvest_from(db: &Db, library: &str, provider: &Provider) -> Result<Report, HubError> {
    let lock = db.pool.get().await?;
    let held: bool = lock
        .query_one(
            "SELECT pg_try_advisory_lock(hashtextextended('commons-harvest:' || $1, 0))",
            &[&library],
        )
        .await?
        .get(0);
    if !held {
        return Err(HubError::Harvest(format!(
            "{library} is being harvested now (by this or another hub process); this harvest was not started"
        )));
    }
    let result = run(db, library, provider).await;
    if let Err(e) = lock
        .execute(
            "SELECT pg_advisory_unlock(hashtextextended('commons-harvest:' || $1, 0))",
            &[&library],
        )
        .await
    {
        // The lock goes with the connection; make sure the pool does not keep it.
        tracing::warn!(error = %e, library, "the harvest lock could not be released");
        let _ = deadpool_postgres::Object::take(lock);
    }

    if let Err(e) = &result {
        note_error(db, library, &e.to_string()).await?;
    }
    result
}

async fn run(db: &Db, library: &str, provider: &Provider) -> Result<Report, HubError> {
    let st = state(db, library).await?;
    let oai = |e: OaiError| HubError::Harvest(e.to_string());
    {
        let client = db.pool.get().await?;
        client
            .execute(
                "UPDATE harvests SET last_attempt_at = now() WHERE library_id = $1",
                &[&library],
            )
            .await?;
    }
    let mut report = Report::default();
    let (_, identify) = provider
        .request(&[("verb", "Identify")])
        .await
        .map_err(oai)?;
    if let Some((code, message)) = identify.errors.first() {
        return Err(HubError::Harvest(format!(
            "Identify failed: {code}: {message}"
        )));
    }
    let granularity = identify.granularity.clone();
    let mut token = st.token.clone();
    let from = st.running_from.clone().or(st.next_from.clone());
    report.resumed = token.is_some();
    // A provider whose tokens repeat, or never end, would keep a harvest running forever.
    let mut seen = std::collections::HashSet::new();
    loop {
        if let Some(t) = &token
            && !seen.insert(t.clone())
        {
            return Err(HubError::Harvest(format!(
                "the provider sent the resumption token `{}` twice; the harvest stopped rather than loop",
                t.chars().take(100).collect::<String>()
            )));
        }
        if seen.len() > PAGES_MAX {
            return Err(HubError::Harvest(format!(
                "the provider sent more than {PAGES_MAX} pages in one harvest; it stopped rather than run forever"
            )));
        }
        let fresh = token.is_none();
        let (body, env) = match &token {
            Some(t) => {
                provider
                    .request(&[("verb", "ListRecords"), ("resumptionToken", t)])
                    .await
            }
            None => {
                let mut args = vec![
                    ("verb", "ListRecords"),
                    ("metadataPrefix", st.prefix.as_str()),
                ];
                if let Some(set) = &st.set {
                    args.push(("set", set));
                }
                let f = from
                    .as_deref()
                    .map(|f| at_granularity(f, granularity.as_deref()));
                if let Some(f) = &f {
                    args.push(("from", f));
                }
                provider.request(&args).await
            }
        }
        .map_err(oai)?;
        if let Some((code, message)) = env.errors.first() {
            match code.as_str() {
                "noRecordsMatch" => {
                    finish(db, library, fresh.then_some(&env.response_date)).await?;
                    return Ok(report);
                }
                "badResumptionToken" if !fresh && !report.restarted => {
                    tracing::warn!(library, message, "resumption token refused; starting again");
                    report.restarted = true;
                    token = None;
                    // Starting again, the provider hands out the same tokens again.
                    seen.clear();
                    continue;
                }
                _ => {
                    return Err(HubError::Harvest(format!(
                        "the provider refused ListRecords: {code}: {message}"
                    )));
                }
            }
        }
        let items = xml::read(&body);
        let mut client = db.pool.get().await?;
        let tx = client.transaction().await?;
        apply_page(&tx, library, st.family, items, &mut report).await?;
        if fresh {
            let since = env
                .response_date
                .clone()
                .unwrap_or_else(|| jiff::Timestamp::now().to_string());
            tx.execute(
                "UPDATE harvests SET running_from = $2, running_since = $3 WHERE library_id = $1",
                &[&library, &from, &since],
            )
            .await?;
        }
        tx.execute(
            "UPDATE harvests SET resumption_token = $2, granularity = $3 WHERE library_id = $1",
            &[&library, &env.resumption_token, &granularity],
        )
        .await?;
        tx.commit().await?;
        report.pages += 1;
        match env.resumption_token {
            Some(next) => token = Some(next),
            None => {
                finish(db, library, None).await?;
                return Ok(report);
            }
        }
    }
}

/// A harvest ended well: its start becomes the next `from`.
async fn finish(db: &Db, library: &str, since: Option<&Option<String>>) -> Result<(), HubError> {
    let client = db.pool.get().await?;
    if let Some(Some(since)) = since {
        client
            .execute(
                "UPDATE harvests SET running_since = $2 WHERE library_id = $1",
                &[&library, since],
            )
            .await?;
    }
    client
        .execute(
            "UPDATE harvests SET next_from = COALESCE(running_since, next_from), running_from = NULL,
                 running_since = NULL, resumption_token = NULL, last_success_at = now(), last_error = NULL
             WHERE library_id = $1",
            &[&library],
        )
        .await?;
    Ok(())
}

/// Applies one page's records: upserts, deletions, re-merging of the works they touch, and
/// a change for every work whose union record changed.
async fn apply_page(
    tx: &Transaction<'_>,
    library: &str,
    family: Option<commons_catalogue::unimarc::Family>,
    items: Vec<Item>,
    report: &mut Report,
) -> Result<(), HubError> {
    // Merging reads and moves works across libraries: one merger at a time.
    tx.execute("SELECT pg_advisory_xact_lock(7201)", &[])
        .await?;
    let mut affected = BTreeSet::new();
    let (mut changed, mut deleted, mut rejected) = (0i64, 0i64, 0i64);
    let refused_before = report.merges_refused.len();
    for item in items {
        let (identifier, format, record) = match item {
            Item::Marc {
                record,
                oai_identifier,
                position,
                ..
            } => match oai_identifier {
                Some(id) => (
                    id,
                    "marcxml",
                    CatalogueRecord::from_record_as(&record, family),
                ),
                None => {
                    report.rejected.push(format!(
                        "byte {position}: a MARC record outside an OAI header"
                    ));
                    rejected += 1;
                    continue;
                }
            },
            Item::Dc {
                record, position, ..
            } => match record.oai_identifier.clone() {
                Some(id) => (id, "oai_dc", CatalogueRecord::from_dc(&record)),
                None => {
                    report.rejected.push(format!(
                        "byte {position}: a record without an OAI identifier"
                    ));
                    rejected += 1;
                    continue;
                }
            },
            Item::Deleted { oai_identifier, .. } => {
                if remove(tx, library, &oai_identifier, &mut affected).await? {
                    report.deleted += 1;
                    deleted += 1;
                }
                continue;
            }
            Item::Invalid { position, reason } => {
                report.rejected.push(format!("byte {position}: {reason}"));
                rejected += 1;
                continue;
            }
        };
        if record.description.title.trim().is_empty() {
            report
                .rejected
                .push(format!(
                    "{identifier}: the record has no title (neither a MARC 21 245, a UNIMARC 200 $a nor a dc:title)"
                ));
            rejected += 1;
            continue;
        }
        if upsert(
            tx,
            library,
            &identifier,
            format,
            &record,
            &mut affected,
            report,
        )
        .await?
        {
            report.records += 1;
            changed += 1;
        } else {
            report.unchanged += 1;
        }
    }
    emit(tx, &affected).await?;
    let refused = &report.merges_refused[refused_before..];
    if let Some(last) = refused.last() {
        let n = i64::try_from(refused.len()).unwrap_or(i64::MAX);
        tx.execute(
            "UPDATE harvests SET merge_refusals = merge_refusals + $2, last_merge_refusal = $3
             WHERE library_id = $1",
            &[&library, &n, last],
        )
        .await?;
    }
    tx.execute(
        "UPDATE harvests SET records = records + $2, deleted = deleted + $3, rejected = rejected + $4
         WHERE library_id = $1",
        &[&library, &changed, &deleted, &rejected],
    )
    .await?;
    Ok(())
}

/// Adds or updates a source record and places it in its work; false when nothing changed.
async fn upsert(
    tx: &Transaction<'_>,
    library: &str,
    identifier: &str,
    format: &str,
    record: &CatalogueRecord,
    affected: &mut BTreeSet<i64>,
    report: &mut Report,
) -> Result<bool, HubError> {
    let stored = serde_json::to_value(Stored::from_record(record))
        .map_err(|e| HubError::Internal(e.to_string()))?;
    let keys = merge::keys(record);
    let existing = tx
        .query_opt(
            "SELECT work_id, record FROM source_records WHERE library_id = $1 AND oai_id = $2 FOR UPDATE",
            &[&library, &identifier],
        )
        .await?;
    let old: Option<i64> = existing.as_ref().map(|r| r.get(0));
    if let Some(row) = &existing {
        let before: serde_json::Value = row.get(1);
        if before == stored {
            return Ok(false);
        }
    }
    let candidates: Vec<i64> = tx
        .query(
            "SELECT DISTINCT work_id FROM source_records
             WHERE keys && $1 AND NOT (library_id = $2 AND oai_id = $3) ORDER BY work_id",
            &[&keys, &library, &identifier],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Kept apart, the record is stored without keys, so no later record links through it.
    let (candidates, keys) = if candidates.len() > merge::JOIN_WORKS_MAX {
        report.merges_refused.push(format!(
            "{identifier}: shares identifiers with {} works; kept apart rather than joining them",
            candidates.len()
        ));
        (Vec::new(), Vec::new())
    } else {
        (candidates, keys)
    };
    let target = match (candidates.first(), old) {
        (Some(&first), _) => first,
        (None, Some(old)) => old,
        (None, None) => tx
            .query_one("SELECT nextval('work_ids')", &[])
            .await?
            .get(0),
    };
    if candidates.len() > 1 {
        tx.execute(
            "UPDATE source_records SET work_id = $1 WHERE work_id = ANY($2)",
            &[&target, &candidates],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO source_records(library_id, oai_id, format, record, keys, work_id)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (library_id, oai_id) DO UPDATE SET format = excluded.format, record = excluded.record,
             keys = excluded.keys, work_id = excluded.work_id, harvested_at = now()",
        &[&library, &identifier, &format, &stored, &keys, &target],
    )
    .await?;
    affected.extend(candidates.iter().copied());
    affected.insert(target);
    if let Some(old) = old {
        affected.insert(old);
        if old != target {
            split(tx, old, affected).await?;
        }
    }
    split(tx, target, affected).await?;
    Ok(true)
}

/// Removes a source record (a deletion from its library); false when it was not there.
async fn remove(
    tx: &Transaction<'_>,
    library: &str,
    identifier: &str,
    affected: &mut BTreeSet<i64>,
) -> Result<bool, HubError> {
    let Some(row) = tx
        .query_opt(
            "DELETE FROM source_records WHERE library_id = $1 AND oai_id = $2 RETURNING work_id",
            &[&library, &identifier],
        )
        .await?
    else {
        return Ok(false);
    };
    let work: i64 = row.get(0);
    affected.insert(work);
    split(tx, work, affected).await?;
    Ok(true)
}

/// Splits a work whose members no longer all share keys: the largest group keeps the id.
async fn split(
    tx: &Transaction<'_>,
    work: i64,
    affected: &mut BTreeSet<i64>,
) -> Result<(), HubError> {
    let rows = tx
        .query(
            "SELECT library_id, oai_id, keys FROM source_records WHERE work_id = $1
             ORDER BY library_id, oai_id",
            &[&work],
        )
        .await?;
    let keys: Vec<Vec<String>> = rows.iter().map(|r| r.get(2)).collect();
    let groups = merge::components(&keys);
    for group in groups.iter().skip(1) {
        let id: i64 = tx
            .query_one("SELECT nextval('work_ids')", &[])
            .await?
            .get(0);
        for &i in group {
            let (lib, oai): (String, String) = (rows[i].get(0), rows[i].get(1));
            tx.execute(
                "UPDATE source_records SET work_id = $1 WHERE library_id = $2 AND oai_id = $3",
                &[&id, &lib, &oai],
            )
            .await?;
        }
        affected.insert(id);
    }
    Ok(())
}

/// A change for each work: its union record, or its deletion when no member is left.
async fn emit(tx: &Transaction<'_>, works: &BTreeSet<i64>) -> Result<(), HubError> {
    for &work in works {
        let rows = tx
            .query(
                "SELECT library_id, oai_id, record FROM source_records WHERE work_id = $1",
                &[&work],
            )
            .await?;
        let key = format!("hub:{work}");
        if rows.is_empty() {
            crate::feed::emit(tx, &key, &ChangeBody::RecordDeleted).await?;
            continue;
        }
        let mut members = Vec::with_capacity(rows.len());
        for r in &rows {
            let stored: Stored = serde_json::from_value(r.get(2))
                .map_err(|e| HubError::Internal(format!("a stored record: {e}")))?;
            members.push(Member {
                library: r.get(0),
                identifier: r.get(1),
                record: stored.to_record(),
            });
        }
        let union = merge::union_record(work, &members);
        crate::feed::emit(tx, &key, &ChangeBody::Record(Box::new(union))).await?;
    }
    Ok(())
}

/// Libraries whose harvest is due: never attempted, or last attempted longer ago than their
/// schedule (`default_minutes` where a library has none; 0 means only libraries with their
/// own schedule), a few seconds early so that a schedule checked each minute keeps its turn.
pub async fn due(db: &Db, default_minutes: i32) -> Result<Vec<String>, HubError> {
    let client = db.pool.get().await?;
    let rows = client
        .query(
            "SELECT l.id FROM libraries l LEFT JOIN harvests h ON h.library_id = l.id
             WHERE l.base_url IS NOT NULL
               AND COALESCE(l.harvest_every_minutes, NULLIF($1, 0)) IS NOT NULL
               AND (h.last_attempt_at IS NULL
                    OR h.last_attempt_at + make_interval(mins => COALESCE(l.harvest_every_minutes, $1))
                       <= now() + interval '5 seconds')
             ORDER BY h.last_attempt_at NULLS FIRST, l.id",
            &[&default_minutes],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Takes `library`'s scheduled turn: true for exactly one of the hub processes that ask
/// (the attempt's time is written only if its turn is still due, under the row's lock).
pub async fn claim(db: &Db, library: &str, default_minutes: i32) -> Result<bool, HubError> {
    let client = db.pool.get().await?;
    let row = client
        .query_opt(
            "INSERT INTO harvests AS h (library_id, last_attempt_at)
             SELECT id, now() FROM libraries WHERE id = $1
             ON CONFLICT (library_id) DO UPDATE SET last_attempt_at = now()
             WHERE h.last_attempt_at IS NULL
                OR h.last_attempt_at + make_interval(mins => COALESCE(
                       (SELECT harvest_every_minutes FROM libraries WHERE id = $1), $2))
                   <= now() + interval '5 seconds'
             RETURNING 1",
            &[&library, &default_minutes],
        )
        .await?;
    Ok(row.is_some())
}

/// Harvests, for as long as the hub serves, every library whose turn has come (checked each
/// minute), one at a time. A failed harvest is logged and tried again on schedule. With
/// several hub processes on one database, each turn is taken by one of them (`claim`).
pub async fn scheduler(db: Db, default_minutes: i32, timeout: std::time::Duration) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        let libraries = match due(&db, default_minutes).await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the harvest schedule");
                continue;
            }
        };
        for library in libraries {
            match claim(&db, &library, default_minutes).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::error!(error = %e, library, "cannot take the harvest's turn");
                    continue;
                }
            }
            match harvest(&db, &library, timeout).await {
                Ok(r) => tracing::info!(
                    library,
                    pages = r.pages,
                    records = r.records,
                    deleted = r.deleted,
                    rejected = r.rejected.len(),
                    "harvested"
                ),
                Err(e) => tracing::warn!(library, error = %e, "harvest failed"),
            }
        }
    }
}
