//! The change feed (see the crate documentation for why it never skips a change).

use crate::db::{Db, HubError};

use commons_protocol::feed::ChangeBody;
pub use commons_protocol::feed::{Change, Cursor, Page};
use commons_protocol::resources::{AuditAction, SharedResource};
use serde_json::value::RawValue;

/// Adds `body` to the feed under `key`, inside the caller's transaction (whose commit makes
/// it visible, in commit order).
pub async fn emit(
    tx: &tokio_postgres::Transaction<'_>,
    key: &str,
    body: &ChangeBody,
) -> Result<(), HubError> {
    let c = Change::new(key, body);
    tx.execute(
        "INSERT INTO changes(kind, key, op, body) VALUES ($1, $2, $3, $4::text::jsonb)",
        &[
            &c.kind,
            &c.key,
            &c.op,
            &c.body.as_deref().map(RawValue::get),
        ],
    )
    .await?;
    Ok(())
}

/// Changes after `since`, at most `limit`, in the order they were committed. Bodies are
/// passed on as PostgreSQL writes them out, never parsed here.
pub async fn changes(db: &Db, since: Cursor, limit: i64) -> Result<Page, HubError> {
    let client = db.pool.get().await?;
    let rows = client
        .query(
            "SELECT id, kind, key, op, body::text FROM changes WHERE id > $1 ORDER BY id LIMIT $2",
            &[
                &since.0,
                &limit.clamp(1, i64::from(commons_protocol::limits::FEED_PAGE_MAX)),
            ],
        )
        .await?;
    let mut next = since;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        next = Cursor(r.get(0));
        let body = r
            .get::<_, Option<String>>(4)
            .map(|text| RawValue::from_string(compact(text)))
            .transpose()
            .map_err(|e| HubError::Internal(format!("change {next}'s body: {e}")))?;
        out.push(Change {
            kind: r.get(1),
            key: r.get(2),
            op: r.get(3),
            body,
        });
    }
    Ok(Page {
        changes: out,
        next: next.to_string(),
    })
}

/// `text` without the whitespace between its tokens. PostgreSQL writes jsonb out with a
/// space after every `:` and `,`; the feed carries JSON as serde writes it, the smaller
/// page for a workstation to read. Whitespace inside strings stays.
fn compact(mut text: String) -> String {
    let (mut in_string, mut escaped) = (false, false);
    text.retain(|c| {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            true
        } else {
            in_string = c == '"';
            !matches!(c, ' ' | '\n' | '\r' | '\t')
        }
    });
    text
}

/// A member library to add or update.
#[derive(Debug, Clone, Copy)]
pub struct LibraryInput<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub base_url: Option<&'a str>,
    /// As the provider names the format (`marcxml`, `marc21`, `oai_dc`…).
    pub metadata_prefix: &'a str,
    pub set_spec: Option<&'a str>,
    /// Harvest schedule in minutes; `None`: the hub's default.
    pub every_minutes: Option<i32>,
    /// The IANA time zone its librarians keep their hours in; `None` keeps the one set.
    pub time_zone: Option<&'a str>,
    /// `marc21` or `unimarc` to read every record so; `auto` to read each as its tags say;
    /// `None` keeps what an existing library has (`auto` for a new one).
    pub marc_family: Option<&'a str>,
}

/// Adds or updates a member library, with its change, in one transaction. Updating, only
/// what is given changes: the name always; the OAI-PMH address with its prefix and set when
/// an address is given; the schedule, time zone and MARC family when given.
pub async fn upsert_library(db: &Db, l: &LibraryInput<'_>) -> Result<(), HubError> {
    let id = l.id;
    if !crate::roster::is_id(id) {
        return Err(HubError::Invalid(format!(
            "`{id}` is not a library id (letters, digits, - and _)"
        )));
    }
    // Providers name their formats freely (MARCXML is `marcxml`, `marc21`, `MARC21`,
    // `marc`…); `library add` asks the provider which it offers (`choose_prefix`), and the
    // records are read by their content whatever the prefix. Here: a prefix's characters
    // (OAI-PMH: URI unreserved characters).
    let prefix = l.metadata_prefix;
    if prefix.is_empty()
        || prefix.len() > 64
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c))
    {
        return Err(HubError::Invalid(format!(
            "`{prefix}` is not an OAI-PMH metadata prefix (1 to 64 letters, digits and -_.!~*'())"
        )));
    }
    let family = match l.marc_family.map(str::trim) {
        None | Some("auto") => None,
        Some(f) => Some(
            commons_catalogue::unimarc::Family::parse(f)
                .ok_or_else(|| {
                    HubError::Invalid(format!("`{f}`: the MARC is marc21, unimarc or auto"))
                })?
                .key(),
        ),
    };
    if let Some(url) = l.base_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(HubError::Invalid(format!(
            "`{url}` is not an http or https URL"
        )));
    }
    if let Some(zone) = l.time_zone
        && !crate::roster::is_time_zone(zone)
    {
        return Err(HubError::Invalid(format!(
            "`{zone}` is not a time zone (an IANA name such as Europe/Berlin)"
        )));
    }
    if l.every_minutes.is_some_and(|m| m < 5) {
        return Err(HubError::Invalid(
            "a library is harvested at most every 5 minutes".into(),
        ));
    }
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO libraries(id, name, base_url, metadata_prefix, set_spec, harvest_every_minutes, time_zone, marc_family)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name,
             base_url = COALESCE(excluded.base_url, libraries.base_url),
             metadata_prefix = CASE WHEN excluded.base_url IS NULL THEN libraries.metadata_prefix
                                    ELSE excluded.metadata_prefix END,
             set_spec = CASE WHEN excluded.base_url IS NULL THEN libraries.set_spec
                             ELSE excluded.set_spec END,
             harvest_every_minutes = COALESCE(excluded.harvest_every_minutes, libraries.harvest_every_minutes),
             time_zone = COALESCE(excluded.time_zone, libraries.time_zone),
             marc_family = CASE WHEN $9 THEN excluded.marc_family ELSE libraries.marc_family END,
             updated_at = now()",
        &[&id, &l.name, &l.base_url, &l.metadata_prefix, &l.set_spec, &l.every_minutes, &l.time_zone, &family, &l.marc_family.is_some()],
    )
    .await?;
    let library = crate::roster::library(&tx, id).await?;
    emit(&tx, id, &ChangeBody::Library(library)).await?;
    tx.commit().await?;
    Ok(())
}

/// A member library and where its harvest stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    pub id: String,
    pub name: String,
    pub base_url: Option<String>,
    pub metadata_prefix: String,
    pub every_minutes: Option<i32>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    /// Records kept apart rather than joining more than `merge::JOIN_WORKS_MAX` works.
    pub merge_refusals: i64,
    pub last_merge_refusal: Option<String>,
    /// The IANA zone its librarians' hours are in, when set.
    pub time_zone: Option<String>,
    /// `marc21` or `unimarc` when set; `None` reads each record as its tags say.
    pub marc_family: Option<String>,
}

/// Every member library, by id.
pub async fn libraries(db: &Db) -> Result<Vec<Library>, HubError> {
    let client = db.pool.get().await?;
    let rows = client
        .query(
            "SELECT l.id, l.name, l.base_url, l.metadata_prefix, l.harvest_every_minutes,
                    to_char(h.last_success_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), h.last_error,
                    coalesce(h.merge_refusals, 0), h.last_merge_refusal, l.time_zone, l.marc_family
             FROM libraries l LEFT JOIN harvests h ON h.library_id = l.id ORDER BY l.id",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Library {
            id: r.get(0),
            name: r.get(1),
            base_url: r.get(2),
            metadata_prefix: r.get(3),
            every_minutes: r.get(4),
            last_success: r.get(5),
            last_error: r.get(6),
            merge_refusals: r.get(7),
            last_merge_refusal: r.get(8),
            time_zone: r.get(9),
            marc_family: r.get(10),
        })
        .collect())
}

/// Who the history names for changes made by importing the list.
const IMPORTED_BY: &str = "resource list import";

/// What importing the resource list did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceImport {
    pub added_or_changed: usize,
    pub unchanged: usize,
    pub retired: usize,
}

/// Replaces the consortium's resource list with `list` (the demo data's shape), in one
/// transaction: a change for each resource added or changed, and for each one left out
/// (retired on the workstations). A list with any unusable resource changes nothing.
pub async fn import_resources(
    db: &Db,
    list: &[SharedResource],
) -> Result<ResourceImport, HubError> {
    let mut seen = std::collections::HashSet::new();
    for r in list {
        if let Some(problem) = r.problem() {
            return Err(HubError::Invalid(problem));
        }
        if !seen.insert(r.id.as_str()) {
            return Err(HubError::Invalid(format!("{} appears twice", r.id)));
        }
    }
    let mut report = ResourceImport::default();
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    for r in list {
        let body = serde_json::to_value(r).map_err(|e| HubError::Internal(e.to_string()))?;
        let changed = tx
            .execute(
                "INSERT INTO resources(id, body) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, retired_at = NULL, updated_at = now()
                 WHERE resources.body IS DISTINCT FROM excluded.body OR resources.retired_at IS NOT NULL",
                &[&r.id, &body],
            )
            .await?;
        if changed == 0 {
            report.unchanged += 1;
            continue;
        }
        emit(&tx, &r.id, &ChangeBody::Resource(Box::new(r.clone()))).await?;
        tx.execute(
            "INSERT INTO resource_audit(resource_id, username, action, body) VALUES ($1, $2, 'save', $3)",
            &[&r.id, &IMPORTED_BY, &body],
        )
        .await?;
        report.added_or_changed += 1;
    }
    let ids: Vec<&str> = list.iter().map(|r| r.id.as_str()).collect();
    let retired = tx
        .query(
            "UPDATE resources SET retired_at = now() WHERE retired_at IS NULL AND NOT (id = ANY($1)) RETURNING id",
            &[&ids],
        )
        .await?;
    for row in &retired {
        let id: String = row.get(0);
        emit(&tx, &id, &ChangeBody::ResourceRetired).await?;
        tx.execute(
            "INSERT INTO resource_audit(resource_id, username, action) VALUES ($1, $2, 'retire')",
            &[&id, &IMPORTED_BY],
        )
        .await?;
    }
    report.retired = retired.len();
    tx.commit().await?;
    Ok(report)
}

/// A librarian's change to one resource of the consortium's list, sent from a workstation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceChange {
    /// Add or edit (restoring it if it was retired); `new` refuses to replace a resource that
    /// already has this id.
    Save {
        resource: Box<SharedResource>,
        new: bool,
    },
    Retire(String),
    Restore(String),
}

/// Why a librarian's change to shared data (a resource, a consultation type) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The hub's list has no resource with this id.
    NotFound,
    /// A new resource's id is taken (added from another workstation meanwhile).
    Taken,
    /// The resource is not usable (the reason).
    Invalid(String),
}

/// Applies one librarian's change to the resource list in one transaction: the resource,
/// the feed change every workstation takes, and an audit line naming the librarian.
pub async fn curate_resource(
    db: &Db,
    username: &str,
    change: &ResourceChange,
) -> Result<Result<(), Refusal>, HubError> {
    if let ResourceChange::Save { resource: r, .. } = change
        && let Some(problem) = r.problem()
    {
        return Ok(Err(Refusal::Invalid(problem)));
    }
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    let (id, action, body) = match change {
        ResourceChange::Save { resource: r, new } => {
            let body = serde_json::to_value(r).map_err(|e| HubError::Internal(e.to_string()))?;
            let written = tx
                .execute(
                    "INSERT INTO resources(id, body) VALUES ($1, $2)
                     ON CONFLICT (id) DO UPDATE SET body = excluded.body, retired_at = NULL, updated_at = now()
                     WHERE NOT $3",
                    &[&r.id, &body, new],
                )
                .await?;
            if written == 0 {
                return Ok(Err(Refusal::Taken));
            }
            emit(&tx, &r.id, &ChangeBody::Resource(r.clone())).await?;
            (r.id.as_str(), AuditAction::Save, Some(body))
        }
        ResourceChange::Retire(id) | ResourceChange::Restore(id) => {
            let retire = matches!(change, ResourceChange::Retire(_));
            let row = tx
                .query_opt(
                    "UPDATE resources SET retired_at = CASE WHEN $2 THEN coalesce(retired_at, now()) END,
                         updated_at = now()
                     WHERE id = $1 RETURNING body",
                    &[id, &retire],
                )
                .await?;
            let Some(row) = row else {
                return Ok(Err(Refusal::NotFound));
            };
            if retire {
                emit(&tx, id, &ChangeBody::ResourceRetired).await?;
            } else {
                let body: SharedResource = serde_json::from_value(row.get(0)).map_err(|e| {
                    HubError::Internal(format!("resource {id} as stored cannot be read: {e}"))
                })?;
                emit(&tx, id, &ChangeBody::Resource(Box::new(body))).await?;
            }
            let action = if retire {
                AuditAction::Retire
            } else {
                AuditAction::Restore
            };
            (id.as_str(), action, None)
        }
    };
    tx.execute(
        "INSERT INTO resource_audit(resource_id, username, action, body) VALUES ($1, $2, $3, $4)",
        &[&id, &username, &action.as_str(), &body],
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Replaces a librarian's schedule (weekly hours and time off) and announces it, in one
/// transaction; `Err` with the reason when the schedule is not usable.
pub async fn save_schedule(
    db: &Db,
    librarian: &crate::librarians::Librarian,
    schedule: &commons_protocol::bookings::SharedSchedule,
) -> Result<Result<(), String>, HubError> {
    if let Some(problem) = schedule.problem() {
        return Ok(Err(problem));
    }
    let body = serde_json::to_value(schedule).map_err(|e| HubError::Internal(e.to_string()))?;
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO schedules(librarian_id, body, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (librarian_id) DO UPDATE SET body = excluded.body,
             updated_by = excluded.updated_by, updated_at = now()",
        &[&librarian.librarian_id, &body, &librarian.username],
    )
    .await?;
    emit(
        &tx,
        &librarian.librarian_id,
        &ChangeBody::Schedule(schedule.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Adds or changes a consultation type for every workstation (`new` refuses to replace an
/// existing id), in one transaction with its feed change; `Err` with the reason when the
/// type is not usable or its id is taken.
pub async fn save_type(
    db: &Db,
    librarian: &crate::librarians::Librarian,
    id: &str,
    form: &commons_protocol::bookings::TypeForm,
    new: bool,
) -> Result<Result<(), Refusal>, HubError> {
    let problems = commons_protocol::bookings::type_problems(form);
    if form.id.as_deref() != Some(id) || id.is_empty() || id.chars().count() > 100 {
        return Ok(Err(Refusal::Invalid(
            "the type's id is missing or differs from the address".into(),
        )));
    }
    if !problems.is_empty() {
        return Ok(Err(Refusal::Invalid(commons_protocol::error::describe(
            &problems,
        ))));
    }
    let body = serde_json::to_value(form).map_err(|e| HubError::Internal(e.to_string()))?;
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    let written = tx
        .execute(
            "INSERT INTO consultation_types(id, body, updated_by) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body,
                 updated_by = excluded.updated_by, updated_at = now()
             WHERE NOT $4",
            &[&id, &body, &librarian.username, &new],
        )
        .await?;
    if written == 0 {
        return Ok(Err(Refusal::Taken));
    }
    emit(&tx, id, &ChangeBody::ConsultationType(form.clone())).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// The history of a resource (oldest first): who saved, retired or restored it, when.
pub async fn resource_history(
    db: &Db,
    id: &str,
) -> Result<Vec<commons_protocol::resources::SharedAuditLine>, HubError> {
    let client = db.pool.get().await?;
    let rows = client
        .query(
            "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), username, action, body
             FROM resource_audit WHERE resource_id = $1 ORDER BY id",
            &[&id],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let action = match r.get::<_, &str>(2) {
                "save" => AuditAction::Save,
                "retire" => AuditAction::Retire,
                "restore" => AuditAction::Restore,
                _ => return None,
            };
            Some(commons_protocol::resources::SharedAuditLine {
                at: r.get(0),
                username: r.get(1),
                action,
                body: r
                    .get::<_, Option<serde_json::Value>>(3)
                    .and_then(|b| serde_json::from_value(b).ok()),
            })
        })
        .collect())
}

/// Sets the consortium's name (English and Simplified Chinese), which every workstation's
/// home screen shows: one feed change.
pub async fn set_consortium(db: &Db, name: &str, name_zh: &str) -> Result<(), HubError> {
    let names = commons_protocol::feed::ConsortiumName {
        name: name.trim().to_owned(),
        name_zh: name_zh.trim().to_owned(),
    };
    if let Some(problem) = names.problem() {
        return Err(HubError::Invalid(problem));
    }
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    emit(&tx, "consortium", &ChangeBody::Consortium(names)).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn a_body_loses_the_spaces_between_tokens_and_keeps_those_in_strings() {
        let written = r#"{"a": [1, 2, {"b": null}], "t": "x, y: \"z\" \\", "w": "\t"}"#;
        let compacted = compact(written.to_owned());
        assert_eq!(
            compacted,
            r#"{"a":[1,2,{"b":null}],"t":"x, y: \"z\" \\","w":"\t"}"#
        );
        let before: serde_json::Value = serde_json::from_str(written).unwrap();
        let after: serde_json::Value = serde_json::from_str(&compacted).unwrap();
        assert_eq!(before, after);
    }
}
