//! Workstation sync: the hub's change feed pulled into the cache (`apply`), and the client
//! that talks to the hub (`client`), both over the wire types of `commons-protocol`.
//!
//! A hub that lies is not believed: a cursor that goes backwards or is not a number stops the
//! sync with a clear error and nothing applied; a change this workstation cannot read is
//! skipped and counted, the rest of the page applied. A hub that refuses says why with an
//! [`ApiError`], and a refusal is never reported as the hub being out of reach.

mod apply;
mod client;

pub use apply::{Applied, apply, apply_following, cursor};
pub use client::{Hub, HubBooking, Refusal, Transport, install_tls_provider};
pub use commons_protocol::bookings::DeskBooking;
pub use commons_protocol::feed::{Change, Page};
pub use commons_protocol::limits::FEED_PAGE as PAGE;
use commons_protocol::{ApiCode, ApiError};

use crate::store::StoreError;

/// Why a sync, or a request to the hub, stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the hub at {url} cannot be reached: {detail}")]
    Unreachable { url: String, detail: String },
    #[error(
        "the hub refused this workstation's token; ask the consortium office for a new one and run `commons provision`"
    )]
    Unauthorized,
    /// The hub read the request and refused it, saying why.
    #[error("the hub refused: {0}")]
    Refused(ApiError),
    #[error("the hub answered {status}: {detail}")]
    Status { status: u16, detail: String },
    #[error(
        "the hub at {0} is plain http; Commons talks to a hub over https only (set hub.allow_insecure_http = true on a network you trust)"
    )]
    Insecure(String),
    #[error("the hub sent something Commons cannot trust: {0}")]
    Untrustworthy(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the search index could not take the changes: {0}")]
    Index(String),
    #[error("the document store cannot be written: {0}")]
    Disk(String),
}

impl SyncError {
    /// Whether the hub is simply out of reach (the workstation works offline meanwhile).
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Unreachable { .. })
    }

    /// The hub's refusal, if this is one.
    pub fn refusal(&self) -> Option<&ApiError> {
        match self {
            SyncError::Refused(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the hub read the request and will not accept it as it is (sending it again
    /// changes nothing).
    pub fn is_refusal(&self) -> bool {
        matches!(self, SyncError::Refused(e) if !e.code.is_failure())
            || matches!(self, SyncError::Status { .. })
    }

    /// The refusal's code, if this is one.
    pub fn code(&self) -> Option<ApiCode> {
        self.refusal().map(|e| e.code)
    }
}
