//! Documents shared through the hub: stored under their SHA-256 in the hub's document
//! directory, announced in the feed, served to workstations with HTTP range requests so an
//! interrupted download resumes.

use std::path::{Path, PathBuf};

use commons_protocol::feed::{Announced, ChangeBody};
use commons_protocol::limits::DOCUMENT_BYTES_MAX;

use crate::db::{Db, HubError};

/// Where a document's file lives: `DIR/ab/abcdef….pdf`.
pub fn path_of(dir: &Path, sha: &str) -> PathBuf {
    dir.join(&sha[..2]).join(format!("{sha}.pdf"))
}

pub use commons_protocol::hex::is_sha256;

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
    if bytes.len() as u64 > DOCUMENT_BYTES_MAX {
        return Err(HubError::Invalid(format!(
            "{} is larger than the {} MiB a shared document may be",
            doc.file_name,
            DOCUMENT_BYTES_MAX / (1024 * 1024)
        )));
    }
    let title = doc.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        return Err(HubError::Invalid("a title is 1 to 300 characters".into()));
    }
    let digest = commons_protocol::Sha256::of(bytes);
    let sha = digest.to_string();
    let path = path_of(dir, &sha);
    if !path.exists() {
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)
            .map_err(|e| HubError::Internal(format!("{}: {e}", parent.display())))?;
        let temp = path.with_extension("new");
        std::fs::write(&temp, bytes)
            .and_then(|()| std::fs::rename(&temp, &path))
            .map_err(|e| HubError::Internal(format!("{}: {e}", path.display())))?;
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
    let announced = Announced {
        sha256: digest,
        title: title.to_owned(),
        file_name: doc.file_name.clone(),
        bytes: size,
        discipline_id: doc.discipline_id.clone(),
        record_id: doc.record_id.clone(),
    };
    crate::feed::emit(&tx, &sha, &ChangeBody::Document(announced)).await?;
    tx.commit().await?;
    Ok(sha)
}
