//! A record of the union catalogue as the hub sends it: one work, merged from the records of
//! every member library that holds it. The hub writes it (`commons-hub`), workstations read
//! it from the change feed; this one definition is the contract between them.

use serde::{Deserialize, Serialize};

use super::record::{CatalogueRecord, Description, Format, Holding, known_status};

/// One work of the union catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnionRecord {
    /// `hub:` and the hub's number for the work; stable while the work exists.
    pub id: String,
    pub format: Format,
    pub description: Description,
    #[serde(default)]
    pub holdings: Vec<UnionHolding>,
    /// The member records merged into this one, so a librarian can see why.
    #[serde(default)]
    pub sources: Vec<SourceRef>,
}

/// One holding: which member library (and branch) holds a copy, and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnionHolding {
    pub library: String,
    #[serde(default)]
    pub call_number: String,
    #[serde(default)]
    pub location: String,
    pub status: String,
    #[serde(default)]
    pub due_date: Option<String>,
}

/// A member library's record of the work, by its OAI identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub library: String,
    pub identifier: String,
}

/// A member library in the feed. The names in Chinese, the city and the time zone (in
/// which its librarians' hours are kept) are set on the hub; a hub that has not set them
/// sends none, and the workstation keeps what it had.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnionLibrary {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city_zh: Option<String>,
    /// An IANA time zone (`Europe/Berlin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl From<&Holding> for UnionHolding {
    fn from(h: &Holding) -> UnionHolding {
        UnionHolding {
            library: h.library.clone(),
            call_number: h.call_number.clone(),
            location: h.location.clone(),
            status: h.status.to_owned(),
            due_date: h.due_date.clone(),
        }
    }
}

impl UnionHolding {
    /// The holding as the cache stores it; a status the cache does not know becomes
    /// `unknown` rather than an error (the hub may be newer than the workstation).
    pub fn to_holding(&self) -> Holding {
        Holding {
            library: self.library.clone(),
            call_number: self.call_number.clone(),
            location: self.location.clone(),
            status: known_status(&self.status),
            due_date: self.due_date.clone(),
        }
    }
}

impl UnionRecord {
    /// The record as the cache stores it.
    pub fn to_catalogue_record(&self) -> CatalogueRecord {
        CatalogueRecord {
            description: self.description.clone(),
            format: Some(self.format),
            holdings: self.holdings.iter().map(UnionHolding::to_holding).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_the_wire_and_unknown_statuses_are_unknown() {
        let record = UnionRecord {
            id: "hub:7".into(),
            format: Format::Ebook,
            description: Description {
                title: "Telling Lies".into(),
                year: Some(1999),
                isbns: vec!["9780000000002".into()],
                ..Description::default()
            },
            holdings: vec![UnionHolding {
                library: "north".into(),
                call_number: "QA76 .T4".into(),
                location: "Stacks".into(),
                status: "lost-in-space".into(),
                due_date: None,
            }],
            sources: vec![SourceRef {
                library: "north".into(),
                identifier: "oai:north:1".into(),
            }],
        };
        let json = serde_json::to_string(&record).unwrap();
        assert!(json.contains("\"format\":\"ebook\""), "{json}");
        let back: UnionRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, record);
        assert_eq!(back.to_catalogue_record().holdings[0].status, "unknown");
        // Fields a newer hub leaves out default; the title is the one field that must be there.
        let minimal: UnionRecord =
            serde_json::from_str(r#"{"id":"hub:1","format":"book","description":{"title":"T"}}"#)
                .unwrap();
        assert_eq!(minimal.description.title, "T");
        assert!(minimal.holdings.is_empty());
    }
}
