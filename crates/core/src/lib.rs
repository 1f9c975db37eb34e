//! Commons workstation logic, free of any UI toolkit.
//!
//! The desktop shell (`src-tauri`) and the `commons` command line are thin doors over this
//! crate: everything that touches the local SQLite cache, the configuration, the embedded
//! demo consortium or the health checks lives here, so `cargo test -p commons-core` exercises
//! it headless.

pub mod accounts;
pub mod bookings;
pub mod catalogue;
pub mod config;
pub mod consortium;
pub mod demo;
pub mod disciplines;
pub mod doctor;
pub mod documents;
pub mod error;
pub mod links;
pub mod memory;
pub mod search;
pub mod settings;
pub mod sharing;
pub mod snapshot;
pub mod store;
pub mod sync;
pub mod usage;
pub mod workstation;

pub use config::Config;
pub use error::Coded;
pub use store::Store;
pub use workstation::Workstation;
