//! Documents: the list, page hits, extraction, adding a PDF.

use super::*;

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordLink {
    pub id: String,
    pub title: String,
}

/// A document as the Documents screen lists it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentView {
    pub sha256: String,
    pub title: String,
    pub pages: u32,
    pub bytes: u32,
    pub discipline: Option<DisciplineName>,
    pub record: Option<RecordLink>,
    pub text: DocumentText,
}

/// Whether a document's text is searchable, or why not.
#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum DocumentText {
    Pending,
    Searchable,
    Damaged,
    PasswordProtected,
    NoText,
    TimeLimit,
    Crashed,
}

impl From<commons_core::documents::Entry> for DocumentView {
    fn from(d: commons_core::documents::Entry) -> Self {
        DocumentView {
            sha256: d.sha256,
            title: d.title,
            pages: count(d.pages),
            bytes: count(d.bytes),
            discipline: d.discipline.map(|(id, name, name_zh)| DisciplineName {
                id,
                name,
                name_zh,
            }),
            record: d.record.map(|(id, title)| RecordLink { id, title }),
            text: {
                use commons_core::documents::extract::Reason;
                match d.text {
                    None => DocumentText::Pending,
                    Some(Ok(())) => DocumentText::Searchable,
                    Some(Err(Reason::Damaged)) => DocumentText::Damaged,
                    Some(Err(Reason::PasswordProtected)) => DocumentText::PasswordProtected,
                    Some(Err(Reason::NoText)) => DocumentText::NoText,
                    Some(Err(Reason::TimeLimit)) => DocumentText::TimeLimit,
                    Some(Err(Reason::Crashed)) => DocumentText::Crashed,
                }
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SnippetPiece {
    pub text: String,
    pub hit: bool,
}

/// A page of a document that matches a search.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PageHitView {
    pub sha256: String,
    pub title: String,
    pub page: u32,
    pub snippet: Vec<SnippetPiece>,
}

impl From<commons_core::documents::pages::PageHit> for PageHitView {
    fn from(h: commons_core::documents::pages::PageHit) -> Self {
        PageHitView {
            sha256: h.sha256,
            title: h.title,
            page: count(h.page),
            snippet: h
                .snippet
                .into_iter()
                .map(|p| SnippetPiece {
                    text: p.text,
                    hit: p.hit,
                })
                .collect(),
        }
    }
}

/// How far text extraction has come.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExtractionStatus {
    pub pending: u32,
    pub indexed: u32,
    pub rejected: u32,
    pub pages: u32,
    pub running: bool,
}

/// A PDF a librarian adds: its bytes base64-encoded, a title and what it belongs to.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NewDocumentForm {
    pub file_name: String,
    pub base64: String,
    pub title: String,
    pub discipline_id: Option<String>,
    pub record_id: Option<String>,
    pub resource_id: Option<String>,
}

/// What adding a document did: its id, or the problems to fix.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AddDocumentOutcome {
    Added {
        sha256: String,
    },
    Invalid {
        problems: Vec<FieldProblem>,
    },
    /// The PDF is already in the store, under this title.
    Duplicate {
        #[serde(rename = "duplicateOf")]
        duplicate_of: String,
    },
}

impl AddDocumentOutcome {
    pub fn from_result(
        result: Result<String, commons_core::documents::AddError>,
    ) -> Result<AddDocumentOutcome, IpcError> {
        use commons_core::documents::AddError;
        match result {
            Ok(sha256) => Ok(AddDocumentOutcome::Added { sha256 }),
            Err(AddError::Invalid(list)) => Ok(AddDocumentOutcome::Invalid {
                problems: list.into_iter().map(Into::into).collect(),
            }),
            Err(AddError::Duplicate(title)) => Ok(AddDocumentOutcome::Duplicate {
                duplicate_of: title,
            }),
            Err(AddError::Store(e)) => Err(e.into()),
            Err(other) => Err(IpcError::new(other.code(), other)),
        }
    }
}
