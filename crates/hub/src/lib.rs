//! The Commons hub: the consortium's shared service. This first part holds the database
//! schema and its migrations, workstation tokens, member libraries, and the change feed
//! that workstations follow; harvesting and the union catalogue build on it.
//!
//! **The feed's guarantee.** Every write to shared data adds a row to `changes` in the same
//! transaction. Its id comes from a one-row counter that the transaction keeps locked until
//! it ends, so ids are taken in commit order: no transaction can hold an id while one with a
//! smaller id is still open. A reader that sees change N sees every change below N, so
//! asking for `id > cursor` never skips a change, however transactions interleave. Writers
//! of changes are serialised by the counter; the hub's writes are batches (harvests,
//! bookings), so this costs little. (Filtering on transaction ids below the oldest running
//! one was tried first and skipped changes in the concurrent test: the snapshot that
//! reports the oldest running transaction is not the one the rows are read with.)

pub mod api;
pub mod bookings;
pub mod db;
pub mod documents;
pub mod feed;
pub mod fleet;
pub mod harvest;
pub mod librarians;
pub mod merge;
pub mod oai;
pub mod purge;
pub mod roster;
pub mod sharing;
pub mod tokens;
pub mod usage;

pub use api as server;
pub use db::{Db, HubError};
