//! Workstation tokens: created once (the plain token is shown only then), kept as SHA-256
//! hashes, revocable.

use commons_protocol::Sha256;
use commons_protocol::hex::random_hex;

use crate::db::{Db, HubError};

fn hash(token: &str) -> String {
    Sha256::of(token.as_bytes()).to_string()
}

/// A token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub revoked: bool,
    /// The member library the workstation stands in, if set.
    pub library: Option<String>,
}

/// Creates a token for a workstation; returns it (shown once).
pub async fn create(db: &Db, name: &str) -> Result<String, HubError> {
    create_for(db, name, None).await
}

/// Creates a token for a workstation of a member library (its usage statistics are that
/// library's); returns it (shown once).
pub async fn create_for(db: &Db, name: &str, library: Option<&str>) -> Result<String, HubError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(HubError::Invalid(
            "a token's name is 1 to 100 characters".into(),
        ));
    }
    let token = random_hex(32).map_err(|e| HubError::Internal(e.to_string()))?;
    let client = db.pool.get().await?;
    if let Some(library) = library
        && client
            .query_opt("SELECT 1 FROM libraries WHERE id = $1", &[&library])
            .await?
            .is_none()
    {
        return Err(HubError::Invalid(format!(
            "no member library {library} (see `commons-hub library list`)"
        )));
    }
    client
        .execute(
            "INSERT INTO tokens(name, hash, library_id) VALUES ($1, $2, $3)",
            &[&name, &hash(&token), &library],
        )
        .await?;
    Ok(token)
}

pub async fn list(db: &Db) -> Result<Vec<TokenInfo>, HubError> {
    let client = db.pool.get().await?;
    let rows = client
        .query(
            "SELECT id, name, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                    revoked_at IS NOT NULL, library_id
             FROM tokens ORDER BY id",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| TokenInfo {
            id: r.get(0),
            name: r.get(1),
            created_at: r.get(2),
            revoked: r.get(3),
            library: r.get(4),
        })
        .collect())
}

/// Revokes a token by id; `false` when there is no such live token. (A hub serving in
/// another process notices within `RECHECK`.)
pub async fn revoke(db: &Db, id: i64) -> Result<bool, HubError> {
    db.live_tokens
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clear();
    let client = db.pool.get().await?;
    let n = client
        .execute(
            "UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
            &[&id],
        )
        .await?;
    Ok(n == 1)
}

/// How long a token found live is trusted without asking the database again (a revocation
/// takes effect within this time; every request would otherwise cost one more query).
pub const RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether `token` is a live workstation token.
pub async fn check(db: &Db, token: &str) -> Result<bool, HubError> {
    if token.is_empty() || token.len() > 512 {
        return Ok(false);
    }
    let hashed = hash(token);
    let now = std::time::Instant::now();
    {
        let live = db
            .live_tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if live
            .get(&hashed)
            .is_some_and(|seen| now.duration_since(*seen) < RECHECK)
        {
            return Ok(true);
        }
    }
    let client = db.pool.get().await?;
    let ok = client
        .query_opt(
            "SELECT 1 FROM tokens WHERE hash = $1 AND revoked_at IS NULL",
            &[&hashed],
        )
        .await?
        .is_some();
    let mut live = db
        .live_tokens
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if ok {
        live.insert(hashed, now);
    } else {
        live.remove(&hashed);
    }
    Ok(ok)
}
