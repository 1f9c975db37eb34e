//! The shared catalogue: bibliographic records and their holdings per library, imported from
//! MARC 21 (ISO 2709 in MARC-8 or UTF-8, MARCXML, MARC-in-JSON) and Dublin Core.

pub mod detail;
pub mod export;
pub mod import;
pub mod originals;

pub use commons_catalogue::{ident, marc, record, union, xml};
pub use detail::{HoldingDetail, RecordDetail};
pub use export::{ExportFormat, export};
pub use import::{Follow, ImportError, ImportReport, Rejection, import_bytes, import_file};
pub use record::{CatalogueRecord, Description, Format, Holding};
