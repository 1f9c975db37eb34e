//! Librarians curating resources: add, edit, retire and restore, with validation and one
//! audit line per change (who, when, what).
//!
//! Validation reports every problem at once, per field, as stable codes the UI turns into
//! sentences. Links are http or https only; two resources in use may not share a web
//! address (compared without case in the host, a trailing slash or a fragment).

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction};

use crate::accounts::Account;
use crate::links;
use crate::store::{Store, StoreError};

pub use commons_protocol::FieldError;
pub use commons_protocol::resources::{
    ACCESSES, KINDS, SharedAuditLine, SharedResource, SharedResourceDiscipline,
};

/// What a librarian submits; `id` is `None` for a new resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceInput {
    pub id: Option<String>,
    pub kind: String,
    pub name: String,
    pub alt_names: Vec<String>,
    pub description: String,
    pub vendor: String,
    pub url: String,
    pub access: String,
    pub note: String,
    /// Disciplines and whether the resource is a best bet there.
    pub disciplines: Vec<(String, bool)>,
}

/// Writes a resource of the shared list and its disciplines (those this cache knows),
/// restoring it if it was retired.
pub fn upsert_shared(tx: &Transaction<'_>, r: &SharedResource) -> rusqlite::Result<()> {
    let alt = serde_json::to_string(&r.alt_names).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO resources(id, kind, name, alt_names, description, vendor, url, access, note,
                               yearly_cost)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
             alt_names = excluded.alt_names, description = excluded.description,
             vendor = excluded.vendor, url = excluded.url, access = excluded.access,
             note = excluded.note, yearly_cost = excluded.yearly_cost, retired_at = NULL",
        rusqlite::params![
            r.id,
            r.kind,
            r.name,
            alt,
            r.description,
            r.vendor,
            r.url,
            r.access,
            r.note,
            r.yearly_cost.and_then(|c| i64::try_from(c).ok())
        ],
    )?;
    tx.execute(
        "DELETE FROM resource_disciplines WHERE resource_id = ?1",
        [&r.id],
    )?;
    for d in &r.disciplines {
        tx.execute(
            "INSERT OR IGNORE INTO resource_disciplines(resource_id, discipline_id, best_bet)
             SELECT ?1, id, ?3 FROM disciplines WHERE id = ?2",
            rusqlite::params![r.id, d.id, d.best_bet],
        )?;
    }
    Ok(())
}

/// Why a change was not made.
#[derive(Debug, thiserror::Error)]
pub enum CurateError {
    #[error("the resource has {} problems", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("there is no resource {0}")]
    NotFound(String),
    #[error("sign in as a librarian first (or again: sessions end after 30 minutes unused)")]
    NotSignedIn,
    /// A hub keeps the consortium's list, and this librarian has no session on it.
    #[error(
        "the consortium's resource list is kept on the hub: sign in with an account the hub knows"
    )]
    HubSignIn,
    #[error(
        "the hub cannot be reached, so the shared list cannot be changed now; nothing was changed"
    )]
    HubUnreachable,
    #[error("the hub refused the change: {0}")]
    HubRefused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CurateError {
    pub fn code(&self) -> &'static str {
        match self {
            CurateError::Invalid(_) => "invalid",
            CurateError::NotFound(_) => "not_found",
            CurateError::NotSignedIn => "not_signed_in",
            CurateError::HubSignIn => "shared_list_sign_in",
            CurateError::HubUnreachable => "shared_list_offline",
            CurateError::HubRefused(_) => "shared_list_refused",
            CurateError::Store(e) => e.code(),
        }
    }
}

/// One line of a resource's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    pub at: String,
    pub account: String,
    pub action: String,
    /// Changed fields as `field: "old" → "new"`, or the resource's name for add/retire.
    pub detail: String,
}

const LIMITS: &[(&str, usize)] = &[
    ("name", 200),
    ("description", 2000),
    ("vendor", 200),
    ("url", 2000),
    ("note", 500),
    ("alt_names", 200),
];

fn limit(field: &str) -> usize {
    LIMITS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or(200, |(_, n)| *n)
}

/// The web address as compared for duplicates.
fn url_key(url: &url::Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    let s = u.as_str().trim_end_matches('/').to_owned();
    s.strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .unwrap_or(&s)
        .to_owned()
}

/// Trimmed and tidied input, or every problem with it.
pub fn validate(store: &Store, input: &ResourceInput) -> Result<ResourceInput, CurateError> {
    let mut errors: Vec<FieldError> = Vec::new();
    fn push(errors: &mut Vec<FieldError>, field: &'static str, code: &'static str) {
        errors.push(FieldError {
            field,
            code,
            other: None,
        });
    }
    let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = ResourceInput {
        id: input.id.clone(),
        kind: input.kind.trim().to_owned(),
        name: clean(&input.name),
        alt_names: input
            .alt_names
            .iter()
            .map(|a| clean(a))
            .filter(|a| !a.is_empty())
            .collect(),
        description: input.description.trim().to_owned(),
        vendor: clean(&input.vendor),
        url: input.url.trim().to_owned(),
        access: input.access.trim().to_owned(),
        note: input.note.trim().to_owned(),
        disciplines: Vec::new(),
    };
    out.alt_names.dedup();
    for (field, value, required) in [
        ("name", &out.name, true),
        ("description", &out.description, true),
        ("vendor", &out.vendor, false),
        ("url", &out.url, false),
        ("note", &out.note, false),
    ] {
        if required && value.is_empty() {
            push(&mut errors, field, "required");
        } else if value.chars().count() > limit(field) {
            push(&mut errors, field, "too_long");
        }
    }
    if out.alt_names.len() > 10 {
        push(&mut errors, "alt_names", "too_many");
    } else if out
        .alt_names
        .iter()
        .any(|a| a.chars().count() > limit("alt_names"))
    {
        push(&mut errors, "alt_names", "too_long");
    }
    if !KINDS.contains(&out.kind.as_str()) {
        push(
            &mut errors,
            "kind",
            if out.kind.is_empty() {
                "required"
            } else {
                "unknown"
            },
        );
    }
    if !ACCESSES.contains(&out.access.as_str()) {
        push(
            &mut errors,
            "access",
            if out.access.is_empty() {
                "required"
            } else {
                "unknown"
            },
        );
    }
    let conn = store.conn();
    let sql = |e| store.err(e);
    if !out.url.is_empty() && out.url.chars().count() <= limit("url") {
        match links::check_web_url(&out.url) {
            Ok(url) => {
                out.url = url.to_string();
                let key = url_key(&url);
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT id, name, url FROM resources WHERE url IS NOT NULL AND retired_at IS NULL",
                    )
                    .map_err(sql)?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                        ))
                    })
                    .map_err(sql)?;
                for row in rows {
                    let (id, name, other) = row.map_err(sql)?;
                    let same = url::Url::parse(&other).is_ok_and(|o| url_key(&o) == key);
                    if same && Some(&id) != out.id.as_ref() {
                        errors.push(FieldError {
                            field: "url",
                            code: "duplicate_url",
                            other: Some(name),
                        });
                        break;
                    }
                }
            }
            Err(links::LinkError::Scheme { .. }) => push(&mut errors, "url", "url_scheme"),
            Err(_) => push(&mut errors, "url", "not_a_url"),
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (d, best) in &input.disciplines {
        if !seen.insert(d.clone()) {
            continue;
        }
        let known: bool = conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM disciplines WHERE id = ?1)",
                [d],
                |r| r.get(0),
            )
            .map_err(sql)?;
        if known {
            out.disciplines.push((d.clone(), *best));
        } else {
            push(&mut errors, "disciplines", "unknown");
        }
    }
    if out.disciplines.is_empty() && !errors.iter().any(|e| e.field == "disciplines") {
        push(&mut errors, "disciplines", "none");
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(CurateError::Invalid(errors))
    }
}

/// The fields as stored, for the audit's before-and-after.
fn snapshot(
    tx: &Transaction<'_>,
    id: &str,
) -> rusqlite::Result<Option<BTreeMap<&'static str, String>>> {
    let Some(mut fields) = tx
        .query_row(
            "SELECT kind, name, alt_names, description, coalesce(vendor, ''), coalesce(url, ''),
                    access, coalesce(note, '') FROM resources WHERE id = ?1",
            [id],
            |r| {
                let mut m = BTreeMap::new();
                for (i, f) in [
                    "kind",
                    "name",
                    "alt_names",
                    "description",
                    "vendor",
                    "url",
                    "access",
                    "note",
                ]
                .into_iter()
                .enumerate()
                {
                    m.insert(f, r.get::<_, String>(i)?);
                }
                Ok(m)
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = tx.prepare_cached(
        "SELECT discipline_id, best_bet FROM resource_disciplines WHERE resource_id = ?1 ORDER BY discipline_id",
    )?;
    let disciplines: Vec<String> = stmt
        .query_map([id], |r| {
            Ok(format!(
                "{}{}",
                r.get::<_, String>(0)?,
                if r.get::<_, i64>(1)? == 1 {
                    " (best bet)"
                } else {
                    ""
                }
            ))
        })?
        .collect::<Result<_, _>>()?;
    fields.insert("disciplines", disciplines.join(", "));
    Ok(Some(fields))
}

/// What changed between two states of a resource, as `field: "old" → "new"`.
fn changes(
    before: &BTreeMap<&'static str, String>,
    after: &BTreeMap<&'static str, String>,
) -> Vec<String> {
    after
        .iter()
        .filter(|(f, value)| before.get(*f) != Some(value))
        .map(|(f, value)| {
            format!(
                "{f}: {:?} → {value:?}",
                before.get(f).map_or("", String::as_str)
            )
        })
        .collect()
}

/// The hub's history of a resource as the resource page shows it (newest first): the first
/// save is the addition, each later save names the fields it changed (a save that changed
/// nothing is left out).
pub fn shared_history(lines: &[SharedAuditLine]) -> Vec<AuditLine> {
    let mut out = Vec::new();
    let mut last: Option<&SharedResource> = None;
    for line in lines {
        let (action, detail) = match (line.action.as_str(), &line.body, last) {
            ("save", Some(body), None) => ("add", body.name.clone()),
            ("save", Some(body), Some(before)) => {
                let changed = changes(&before.fields(), &body.fields());
                if changed.is_empty() {
                    continue;
                }
                ("edit", changed.join("; "))
            }
            ("retire" | "restore", _, before) => (
                line.action.as_str(),
                before.map(|b| b.name.clone()).unwrap_or_default(),
            ),
            _ => continue,
        };
        if let Some(body) = &line.body {
            last = Some(body);
        }
        out.push(AuditLine {
            at: line.at.clone(),
            account: line.username.clone(),
            action: action.to_owned(),
            detail,
        });
    }
    out.reverse();
    out
}

fn audit(
    tx: &Transaction<'_>,
    account: &Account,
    id: &str,
    action: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO resource_audit(at, account, resource_id, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        (jiff::Timestamp::now().to_string(), &account.username, id, action, detail),
    )
    .map(drop)
}

/// A new id from the name: `res-` and its letters and digits, made unique.
fn new_id(tx: &rusqlite::Connection, name: &str) -> rusqlite::Result<String> {
    let mut slug: String = crate::search::text::normalized(name)
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    slug.truncate(40);
    if slug.is_empty() {
        slug = "resource".into();
    }
    let mut id = format!("res-{slug}");
    let mut n = 2;
    while tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM resources WHERE id = ?1)",
        [&id],
        |r| r.get::<_, bool>(0),
    )? {
        id = format!("res-{slug}-{n}");
        n += 1;
    }
    Ok(id)
}

/// Adds or edits a resource; returns its id.
pub fn save(
    store: &Store,
    account: &Account,
    input: &ResourceInput,
) -> Result<String, CurateError> {
    write(store, account, &prepare(store, input)?)
}

/// A checked change to one resource, ready to be sent to the hub and written here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    input: ResourceInput,
    /// The resource as the feed carries it. Its id may still change (if the hub already has
    /// a new resource's id).
    pub shared: SharedResource,
    /// A resource that does not exist yet.
    pub new: bool,
}

/// Checks `input` (every problem at once) and gives it its id.
pub fn prepare(store: &Store, input: &ResourceInput) -> Result<Prepared, CurateError> {
    let v = validate(store, input)?;
    let id = match &v.id {
        // Known, retired or not (`NotFound` otherwise).
        Some(id) => is_retired(store, id).map(|_| id.clone())?,
        None => new_id(store.conn(), &v.name).map_err(|e| store.err(e))?,
    };
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    // The cost is the office's (the resource list); a librarian's edit keeps it.
    let yearly_cost = store
        .conn()
        .query_row(
            "SELECT yearly_cost FROM resources WHERE id = ?1",
            [&id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()
        .map_err(|e| store.err(e))?
        .flatten()
        .and_then(|c| u64::try_from(c).ok());
    let shared = SharedResource {
        id,
        kind: v.kind.clone(),
        name: v.name.clone(),
        alt_names: v.alt_names.clone(),
        description: v.description.clone(),
        vendor: opt(&v.vendor),
        url: opt(&v.url),
        access: v.access.clone(),
        note: opt(&v.note),
        disciplines: v
            .disciplines
            .iter()
            .map(|(d, best_bet)| SharedResourceDiscipline {
                id: d.clone(),
                best_bet: *best_bet,
            })
            .collect(),
        yearly_cost,
    };
    Ok(Prepared {
        new: v.id.is_none(),
        input: v,
        shared,
    })
}

/// Writes a prepared change with its audit line; returns the resource's id.
pub fn write(store: &Store, account: &Account, p: &Prepared) -> Result<String, CurateError> {
    let v = &p.input;
    let id = p.shared.id.clone();
    let sql = |e| store.err(e);
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let tx = store.write().map_err(sql)?;
    let before = match p.new {
        false => Some(
            snapshot(&tx, &id)
                .map_err(sql)?
                .ok_or_else(|| CurateError::NotFound(id.clone()))?,
        ),
        true => None,
    };
    tx.execute(
        "INSERT INTO resources(id, kind, name, alt_names, description, vendor, url, access, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
             alt_names = excluded.alt_names, description = excluded.description,
             vendor = excluded.vendor, url = excluded.url, access = excluded.access,
             note = excluded.note",
        rusqlite::params![
            id,
            v.kind,
            v.name,
            serde_json::to_string(&v.alt_names).unwrap_or_else(|_| "[]".into()),
            v.description,
            opt(&v.vendor),
            opt(&v.url),
            v.access,
            opt(&v.note)
        ],
    )
    .map_err(sql)?;
    tx.execute(
        "DELETE FROM resource_disciplines WHERE resource_id = ?1",
        [&id],
    )
    .map_err(sql)?;
    for (d, best) in &v.disciplines {
        tx.execute(
            "INSERT INTO resource_disciplines(resource_id, discipline_id, best_bet) VALUES (?1, ?2, ?3)",
            (&id, d, i64::from(*best)),
        )
        .map_err(sql)?;
    }
    let after = snapshot(&tx, &id).map_err(sql)?.unwrap_or_default();
    match before {
        None => audit(&tx, account, &id, "add", &v.name).map_err(sql)?,
        Some(before) => {
            let changes = changes(&before, &after);
            if changes.is_empty() {
                // Nothing changed: no write, no audit line.
                return Ok(id);
            }
            audit(&tx, account, &id, "edit", &changes.join("; ")).map_err(sql)?;
        }
    }
    tx.commit().map_err(sql)?;
    Ok(id)
}

/// Whether a resource is retired (`NotFound` if there is none with this id).
pub fn is_retired(store: &Store, id: &str) -> Result<bool, CurateError> {
    store
        .conn()
        .query_row(
            "SELECT retired_at IS NOT NULL FROM resources WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| store.err(e))?
        .ok_or_else(|| CurateError::NotFound(id.to_owned()))
}

/// Retires (hides from students) or restores a resource.
pub fn set_retired(
    store: &Store,
    account: &Account,
    id: &str,
    retired: bool,
) -> Result<(), CurateError> {
    let sql = |e| store.err(e);
    let tx = store.write().map_err(sql)?;
    let name: Option<(String, bool)> = tx
        .query_row(
            "SELECT name, retired_at IS NOT NULL FROM resources WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(sql)?;
    let Some((name, was)) = name else {
        return Err(CurateError::NotFound(id.to_owned()));
    };
    if was == retired {
        return Ok(());
    }
    tx.execute(
        "UPDATE resources SET retired_at = ?2 WHERE id = ?1",
        (id, retired.then(|| jiff::Timestamp::now().to_string())),
    )
    .map_err(sql)?;
    audit(
        &tx,
        account,
        id,
        if retired { "retire" } else { "restore" },
        &name,
    )
    .map_err(sql)?;
    tx.commit().map_err(sql)?;
    Ok(())
}

/// A resource's history, newest first.
pub fn history(store: &Store, id: &str) -> Result<Vec<AuditLine>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT at, account, action, detail FROM resource_audit WHERE resource_id = ?1
             ORDER BY at DESC, id DESC",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(AuditLine {
                at: r.get(0)?,
                account: r.get(1)?,
                action: r.get(2)?,
                detail: r.get(3)?,
            })
        })
        .map_err(|e| store.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.err(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;
    use crate::disciplines::browse;

    fn seeded() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("commons.db")).unwrap();
        demo::seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
        (dir, store)
    }

    fn librarian() -> Account {
        Account {
            username: "m.chen".into(),
            display_name: "Mei Chen".into(),
            librarian_id: None,
        }
    }

    fn input() -> ResourceInput {
        ResourceInput {
            id: None,
            kind: "database".into(),
            name: "  JSTOR  ".into(),
            alt_names: vec!["Journal Storage".into(), " ".into()],
            description: "Back issues of core journals.".into(),
            vendor: "ITHAKA".into(),
            url: "https://www.jstor.org/".into(),
            access: "campus".into(),
            note: String::new(),
            disciplines: vec![("world-history".into(), true), ("sociology".into(), false)],
        }
    }

    fn codes(e: CurateError) -> Vec<(&'static str, &'static str)> {
        match e {
            CurateError::Invalid(list) => list.into_iter().map(|e| (e.field, e.code)).collect(),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn invalid_input_is_refused_with_every_reason() {
        let (_dir, store) = seeded();
        let table: Vec<(ResourceInput, Vec<(&str, &str)>)> = vec![
            (
                ResourceInput::default(),
                vec![
                    ("name", "required"),
                    ("description", "required"),
                    ("kind", "required"),
                    ("access", "required"),
                    ("disciplines", "none"),
                ],
            ),
            (
                ResourceInput {
                    url: "javascript:alert(1)".into(),
                    ..input()
                },
                vec![("url", "url_scheme")],
            ),
            (
                ResourceInput {
                    url: "file:///etc/passwd".into(),
                    ..input()
                },
                vec![("url", "url_scheme")],
            ),
            (
                ResourceInput {
                    url: "not a link".into(),
                    ..input()
                },
                vec![("url", "not_a_url")],
            ),
            (
                ResourceInput {
                    name: "x".repeat(201),
                    ..input()
                },
                vec![("name", "too_long")],
            ),
            (
                ResourceInput {
                    kind: "spaceship".into(),
                    ..input()
                },
                vec![("kind", "unknown")],
            ),
            (
                ResourceInput {
                    disciplines: vec![("no-such".into(), false)],
                    ..input()
                },
                vec![("disciplines", "unknown")],
            ),
            (
                ResourceInput {
                    alt_names: (0..11).map(|i| format!("a{i}")).collect(),
                    ..input()
                },
                vec![("alt_names", "too_many")],
            ),
            // The same address as PubMed, written differently.
            (
                ResourceInput {
                    url: "HTTPS://PubMed.ncbi.nlm.nih.gov".into(),
                    ..input()
                },
                vec![("url", "duplicate_url")],
            ),
        ];
        for (bad, expected) in table {
            assert_eq!(
                codes(save(&store, &librarian(), &bad).unwrap_err()),
                expected,
                "{bad:?}"
            );
        }
        assert!(
            history(&store, "res-jstor").unwrap().is_empty(),
            "nothing was written"
        );
    }

    #[test]
    fn add_edit_retire_restore_with_an_audit_line_each() {
        let (_dir, store) = seeded();
        let me = librarian();
        let id = save(&store, &me, &input()).unwrap();
        assert_eq!(id, "res-jstor");
        let d = browse::resource_detail(&store, &id).unwrap().unwrap();
        assert_eq!(d.resource.name, "JSTOR");
        assert_eq!(d.resource.alt_names, vec!["Journal Storage"]);
        let page = browse::page(&store, "world-history").unwrap().unwrap();
        assert!(page.resources.iter().any(|r| r.id == id && r.best_bet));

        // Editing the name and the best bet is one audit line naming both changes.
        let edited = ResourceInput {
            id: Some(id.clone()),
            name: "JSTOR Arts & Sciences".into(),
            disciplines: vec![("world-history".into(), false)],
            ..input()
        };
        assert_eq!(save(&store, &me, &edited).unwrap(), id);
        // Saving the same again changes nothing and writes no line.
        save(&store, &me, &edited).unwrap();
        // Its own address is not a duplicate of itself.
        let lines = history(&store, &id).unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0].action, "edit");
        assert!(
            lines[0]
                .detail
                .contains("name: \"JSTOR\" → \"JSTOR Arts & Sciences\""),
            "{}",
            lines[0].detail
        );
        assert!(
            lines[0].detail.contains("disciplines:"),
            "{}",
            lines[0].detail
        );
        assert_eq!(lines[0].account, "m.chen");
        assert_eq!(lines[1].action, "add");

        // Retired: hidden from students, kept for librarians, restorable.
        set_retired(&store, &me, &id, true).unwrap();
        let students = browse::resources(&store, &browse::ResourceFilter::default()).unwrap();
        assert!(!students.iter().any(|r| r.id == id));
        let librarians = browse::resources(
            &store,
            &browse::ResourceFilter {
                include_retired: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(librarians.iter().any(|r| r.id == id && r.retired));
        // A retired resource's address may be used again.
        let again = ResourceInput {
            name: "JSTOR again".into(),
            ..input()
        };
        let other = save(&store, &me, &again).unwrap();
        assert_ne!(other, id);
        set_retired(&store, &me, &other, true).unwrap();
        set_retired(&store, &me, &id, false).unwrap();
        let lines = history(&store, &id).unwrap();
        assert_eq!(
            lines.iter().map(|l| l.action.as_str()).collect::<Vec<_>>(),
            vec!["restore", "retire", "edit", "add"]
        );
        assert_eq!(
            set_retired(&store, &me, "res-nothing", true)
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert_eq!(
            save(
                &store,
                &me,
                &ResourceInput {
                    id: Some("res-nothing".into()),
                    url: String::new(),
                    ..input()
                }
            )
            .unwrap_err()
            .code(),
            "not_found"
        );
    }
}
