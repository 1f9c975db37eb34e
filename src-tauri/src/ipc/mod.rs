//! The types that cross IPC between the Rust core and the web page, and their conversion from
//! core's domain types. TypeScript bindings for them are generated into
//! `ui/src/lib/bindings.ts` (see [`crate::commands::specta_builder`]).
//!
//! **API boundary:** only these types are serialized for the UI; core's types are not.

use serde::{Deserialize, Serialize};
use specta::Type;

use commons_core::Coded;
use commons_core::catalogue::{ExportFormat as CoreExportFormat, RecordDetail};
use commons_core::config::Language as CoreLanguage;
use commons_core::consortium as core;
use commons_core::demo::{SeedError, SeedProgress, SeedStage as CoreStage};
use commons_core::disciplines::{browse, curate};
use commons_core::search::{SearchError, SearchRequest, SearchResults, Sort as CoreSort};
use commons_core::store::StoreError;
use commons_core::workstation::Labels;

mod bookings;
mod catalogue;
mod disciplines;
mod documents;
mod sharing;
mod start;
mod sync;
mod usage;

pub use bookings::*;
pub use catalogue::*;
pub use disciplines::*;
pub use documents::*;
pub use sharing::*;
pub use start::*;
pub use sync::*;
pub use usage::*;

/// The one error every command returns. `code` is stable and what the UI branches on;
/// `message` is a sentence for logs and for the details line under the UI's own text.
#[derive(Debug, Clone, Serialize, Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{code}: {message}")]
pub struct IpcError {
    pub code: String,
    pub message: String,
    /// Whether rebuilding the cache from the embedded data can fix this.
    pub rebuildable: bool,
    /// Seconds to wait before trying again (too many failed sign-ins), when known.
    pub retry_after: Option<u32>,
}

impl IpcError {
    /// A core error as the page gets it: its code, and, when the cache failed, the cache's
    /// code and rebuild offer.
    pub fn coded(e: &impl Coded) -> IpcError {
        match e.store_error() {
            Some(store) => IpcError {
                code: store.code().to_owned(),
                rebuildable: store.is_rebuildable(),
                message: store.to_string(),
                retry_after: None,
            },
            None => IpcError {
                retry_after: e
                    .retry_after()
                    .map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
                ..IpcError::new(e.code(), e)
            },
        }
    }
}

/// Every core error converts the one way, through [`Coded`].
macro_rules! from_coded {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for IpcError {
            fn from(e: $t) -> Self {
                IpcError::coded(&e)
            }
        }
    )*};
}

from_coded!(
    StoreError,
    SeedError,
    SearchError,
    commons_core::workstation::ExportError,
    commons_core::links::LinkError,
    commons_core::accounts::AccountError,
    curate::CurateError,
    commons_core::bookings::BookingError,
    commons_core::sharing::RequestError,
    commons_core::documents::pages::PageIndexError,
);

impl IpcError {
    /// An error the cache cannot cause: `code` for the page, the error's text for the log.
    pub fn new(code: &str, message: impl std::fmt::Display) -> IpcError {
        IpcError {
            code: code.to_owned(),
            message: message.to_string(),
            rebuildable: false,
            retry_after: None,
        }
    }

    pub fn not_found(what: &str) -> IpcError {
        IpcError {
            code: "not_found".to_owned(),
            message: format!("{what} is not in the catalogue"),
            rebuildable: false,
            retry_after: None,
        }
    }

    pub fn internal(message: impl std::fmt::Display) -> IpcError {
        IpcError {
            code: "internal".to_owned(),
            message: message.to_string(),
            rebuildable: false,
            retry_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A damaged cache behind any core error reaches the page as the cache's code with its
    /// rebuild offer, whichever command met it (an export did not, before `Coded`).
    #[test]
    fn a_damaged_cache_always_comes_with_its_rebuild_offer() {
        let corrupt = || StoreError::Corrupt {
            path: "commons.db".into(),
            detail: "database disk image is malformed".into(),
        };
        let errors: Vec<IpcError> = vec![
            corrupt().into(),
            commons_core::workstation::ExportError::Store(corrupt()).into(),
            commons_core::bookings::BookingError::Store(corrupt()).into(),
            curate::CurateError::Store(corrupt()).into(),
            commons_core::accounts::AccountError::Store(corrupt()).into(),
            SearchError::Store(corrupt()).into(),
        ];
        for e in errors {
            assert_eq!(
                (e.code.as_str(), e.rebuildable),
                ("cache_corrupt", true),
                "{e:?}"
            );
        }
        let plain: IpcError = commons_core::workstation::ExportError::Nothing.into();
        assert_eq!(
            (plain.code.as_str(), plain.rebuildable),
            ("not_found", false)
        );
    }
}
