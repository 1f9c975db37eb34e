//! The change feed (see the crate documentation for why it never skips a change).

use crate::db::{Db, HubError};

/// A position in the feed: after the change with this id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cursor(pub i64);

impl Cursor {
    /// Parses a cursor the feed returned; the empty string is the start.
    pub fn parse(s: &str) -> Option<Cursor> {
        if s.is_empty() {
            return Some(Cursor::default());
        }
        s.parse().ok().filter(|n: &i64| *n >= 0).map(Cursor)
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    pub kind: String,
    pub key: String,
    pub op: String,
    pub body: Option<serde_json::Value>,
}

/// A page of the feed and the cursor to ask with next.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Page {
    pub changes: Vec<Change>,
    pub next: String,
}

/// Changes after `since`, at most `limit`, in the order they were committed.
pub async fn changes(db: &Db, since: Cursor, limit: i64) -> Result<Page, HubError> {
    let client = db.pool.get().await?;
    let rows = client
        .query(
            "SELECT id, kind, key, op, body FROM changes WHERE id > $1 ORDER BY id LIMIT $2",
            &[&since.0, &limit.clamp(1, 5000)],
        )
        .await?;
    let mut next = since;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        next = Cursor(r.get(0));
        out.push(Change {
            kind: r.get(1),
            key: r.get(2),
            op: r.get(3),
            body: r.get(4),
        });
    }
    Ok(Page {
        changes: out,
        next: next.to_string(),
    })
}

/// Adds or updates a member library, with its change, in one transaction.
pub async fn upsert_library(
    db: &Db,
    id: &str,
    name: &str,
    base_url: Option<&str>,
) -> Result<(), HubError> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(HubError::Invalid(format!(
            "`{id}` is not a library id (letters, digits, - and _)"
        )));
    }
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO libraries(id, name, base_url) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, base_url = excluded.base_url, updated_at = now()",
        &[&id, &name, &base_url],
    )
    .await?;
    let body = serde_json::json!({ "id": id, "name": name });
    tx.execute(
        "INSERT INTO changes(kind, key, op, body) VALUES ('library', $1, 'upsert', $2)",
        &[&id, &body],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
