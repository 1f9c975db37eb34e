//! Documents shared through the hub: stored under their SHA-256 in the hub's document
//! directory, announced in the feed, served to workstations with HTTP range requests so an
//! interrupted download resumes.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::db::{Db, HubError};

/// Where a document's file lives: `DIR/ab/abcdef….pdf`.
pub fn path_of(dir: &Path, sha: &str) -> PathBuf {
    dir.join(&sha[..2]).join(format!("{sha}.pdf"))
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What describes a shared document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewDocument {
    pub title: String,
    pub file_name: String,
    pub discipline_id: Option<String>,
    /// A union catalogue record (`hub:N`) the document belongs to.
    pub record_id: Option<String>,
}

/// Adds a PDF: its file into the directory (written aside, then renamed), its row and its
/// change in one transaction. Returns its SHA-256.
pub async fn add(db: &Db, dir: &Path, bytes: &[u8], doc: &NewDocument) -> Result<String, HubError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(HubError::Invalid(format!(
            "{} is not a PDF (it does not start with %PDF-)",
            doc.file_name
        )));
    }
    let title = doc.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        return Err(HubError::Invalid("a title is 1 to 300 characters".into()));
    }
    let sha: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = path_of(dir, &sha);
    if !path.exists() {
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)
            .map_err(|e| HubError::Invalid(format!("{}: {e}", parent.display())))?;
        let temp = path.with_extension("new");
        std::fs::write(&temp, bytes)
            .and_then(|()| std::fs::rename(&temp, &path))
            .map_err(|e| HubError::Invalid(format!("{}: {e}", path.display())))?;
    }
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO documents(sha256, title, file_name, bytes, discipline_id, record_id)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (sha256) DO UPDATE SET title = excluded.title, file_name = excluded.file_name,
             discipline_id = excluded.discipline_id, record_id = excluded.record_id",
        &[
            &sha,
            &title,
            &doc.file_name,
            &size,
            &doc.discipline_id,
            &doc.record_id,
        ],
    )
    .await?;
    let body = serde_json::json!({
        "sha256": sha,
        "title": title,
        "file_name": doc.file_name,
        "bytes": size,
        "discipline_id": doc.discipline_id,
        "record_id": doc.record_id,
    });
    tx.execute(
        "INSERT INTO changes(kind, key, op, body) VALUES ('document', $1, 'upsert', $2)",
        &[&sha, &body],
    )
    .await?;
    tx.commit().await?;
    Ok(sha)
}

/// A byte range a client asked for: `bytes=START-` or `bytes=START-END` (inclusive).
pub fn range(header: &str, len: u64) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = match end.trim() {
        "" => len.checked_sub(1)?,
        e => e.parse::<u64>().ok()?.min(len.checked_sub(1)?),
    };
    (start <= end && start < len).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(range("bytes=0-", 10), Some((0, 9)));
        assert_eq!(range("bytes=4-", 10), Some((4, 9)));
        assert_eq!(range("bytes=4-6", 10), Some((4, 6)));
        assert_eq!(range("bytes=4-60", 10), Some((4, 9)));
        assert_eq!(range("bytes=10-", 10), None);
        assert_eq!(range("bytes=6-4", 10), None);
        assert_eq!(range("bytes=0-1,4-5", 10), None);
        assert_eq!(range("items=0-", 10), None);
        assert_eq!(range("bytes=0-", 0), None);
    }
}
