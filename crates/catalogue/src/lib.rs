//! Commons' catalogue records, free of any storage: the readers of MARC 21 and UNIMARC
//! (ISO 2709 in MARC-8 or UTF-8, MARC-in-JSON), of MARCXML and Dublin Core out of any XML
//! document, the record both MARC families map onto (`record`, `unimarc`), identifier
//! normalisation, the text folding index and query share, and the union record the hub
//! sends to workstations.
//!
//! Both the workstation (`commons-core`) and the hub (`commons-hub`) read records with this
//! crate; it pulls in no database, index or HTTP client, so the hub does not build the
//! workstation to read MARC.

pub mod ident;
pub mod marc;
pub mod record;
pub mod text;
pub mod unimarc;
pub mod union;
pub mod xml;

pub use record::{CatalogueRecord, Description, Format, Holding};
