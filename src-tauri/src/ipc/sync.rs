//! The hub sync's status.

use super::*;

/// How syncing with the hub goes, for the status line.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusView {
    /// A hub is configured (false: a standalone workstation).
    pub configured: bool,
    pub running: bool,
    /// The last attempt reached the hub.
    pub online: bool,
    /// Changes applied by the running or last sync.
    pub applied: u32,
    /// When the cache last caught up with the hub (RFC 3339).
    pub synced_at: Option<String>,
    /// Why the last attempt failed, in words for the technician.
    pub error: Option<String>,
    /// Changes the last sync could not read.
    pub skipped: u32,
}

impl From<commons_core::workstation::SyncStatus> for SyncStatusView {
    fn from(s: commons_core::workstation::SyncStatus) -> Self {
        SyncStatusView {
            configured: s.configured,
            running: s.running,
            online: s.online,
            applied: u32::try_from(s.applied).unwrap_or(u32::MAX),
            synced_at: s.synced_at.map(|t| t.to_string()),
            error: s.error,
            skipped: u32::try_from(s.skipped.len()).unwrap_or(u32::MAX),
        }
    }
}
