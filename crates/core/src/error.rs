//! What every error core gives its callers has: a stable code the UI branches on, and,
//! when the cache itself failed, that cache failure (which may offer a rebuild). The shell
//! turns any `Coded` error into its IPC error in one place, so no conversion can drop the
//! cache's rebuild offer.

use crate::store::StoreError;

/// An error with a stable code.
pub trait Coded: std::error::Error {
    /// What the UI turns into a sentence.
    fn code(&self) -> &'static str;
    /// The cache failure behind this error, if that is what it is.
    fn store_error(&self) -> Option<&StoreError>;
    /// How long to wait before trying again, when the refusal says.
    fn retry_after(&self) -> Option<u64> {
        None
    }
}

impl Coded for StoreError {
    fn code(&self) -> &'static str {
        StoreError::code(self)
    }
    fn store_error(&self) -> Option<&StoreError> {
        Some(self)
    }
}

macro_rules! coded {
    ($($t:ty),* $(,)?) => {$(
        impl Coded for $t {
            fn code(&self) -> &'static str {
                <$t>::code(self)
            }
            fn store_error(&self) -> Option<&StoreError> {
                match self {
                    Self::Store(e) => Some(e),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
        }
    )*};
}

coded!(
    crate::demo::SeedError,
    crate::search::SearchError,
    crate::workstation::ExportError,
    crate::disciplines::curate::CurateError,
    crate::bookings::BookingError,
    crate::sharing::RequestError,
    crate::documents::DocumentError,
    crate::documents::AddError,
    crate::documents::pages::PageIndexError,
);

impl Coded for crate::links::LinkError {
    fn code(&self) -> &'static str {
        crate::links::LinkError::code(self)
    }
    fn store_error(&self) -> Option<&StoreError> {
        None
    }
}

impl Coded for crate::accounts::AccountError {
    fn code(&self) -> &'static str {
        crate::accounts::AccountError::code(self)
    }
    fn store_error(&self) -> Option<&StoreError> {
        match self {
            Self::Store(e) => Some(e),
            _ => None,
        }
    }
    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Throttled { seconds } => Some(*seconds),
            _ => None,
        }
    }
}
