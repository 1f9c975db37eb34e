//! The contract between the hub (`commons-hub`) and its workstations (`commons-core`).
//!
//! Every message of the hub's HTTP API (`/api/v1`) is a type here, and so is every change
//! the feed carries; both ends compile against this crate, so neither builds or reads JSON
//! by hand and a field, a limit or a code cannot mean one thing on one side and another on
//! the other. Limits and formats (a booking code's shape, a field's maximum, what counts as
//! an email address) are constants and functions here, used by both ends.
//!
//! The crate is pure: no database, index or HTTP client. `tests/round_trip.rs` sends every
//! route's types and every change kind through JSON and back.

pub mod accounts;
pub mod bookings;
pub mod calendar;
pub mod code;
pub mod error;
pub mod feed;
pub mod fleet;
pub mod hex;
pub mod limits;
pub mod resources;
pub mod routes;
pub mod sharing;
pub mod slots;
pub mod throttle;
pub mod usage;

pub use code::BookingCode;
pub use error::{ApiCode, ApiError, FieldError};
pub use feed::{Change, ChangeBody, Cursor, Page};
pub use hex::{Sha256, hex};
