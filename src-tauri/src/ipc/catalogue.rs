//! The catalogue: search queries and pages of hits, a record, exports.

use super::*;

#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum Sort {
    Relevance,
    Newest,
    Oldest,
    Title,
}

/// A catalogue search as the page asks it.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    pub query: String,
    /// `group/value` facet filters, e.g. `format/book`.
    pub filters: Vec<String>,
    pub sort: Sort,
    pub offset: u32,
    pub limit: u32,
}

impl From<SearchQuery> for SearchRequest {
    fn from(q: SearchQuery) -> Self {
        SearchRequest {
            query: q.query,
            filters: q.filters,
            sort: match q.sort {
                Sort::Relevance => CoreSort::Relevance,
                Sort::Newest => CoreSort::Newest,
                Sort::Oldest => CoreSort::Oldest,
                Sort::Title => CoreSort::Title,
            },
            offset: q.offset as usize,
            limit: q.limit as usize,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub id: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub authors: Vec<String>,
    pub year: Option<i32>,
    pub format: String,
    pub language: String,
    pub copies: u32,
    pub available: u32,
    pub libraries: u32,
}

/// One facet value with its count; `label`/`labelZh` name ids (libraries, disciplines).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FacetValue {
    pub group: String,
    pub value: String,
    pub count: u32,
    pub label: Option<String>,
    pub label_zh: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    pub total: u32,
    pub hits: Vec<SearchHit>,
    pub facets: Vec<FacetValue>,
}

pub(crate) fn year(y: Option<i64>) -> Option<i32> {
    y.and_then(|y| i32::try_from(y).ok())
}

impl SearchPage {
    pub fn new(results: SearchResults, labels: &Labels) -> SearchPage {
        SearchPage {
            total: count(results.total),
            hits: results
                .hits
                .into_iter()
                .map(|h| SearchHit {
                    id: h.id,
                    title: h.title,
                    subtitle: h.subtitle,
                    authors: h.authors,
                    year: year(h.year),
                    format: h.format,
                    language: h.language,
                    copies: h.copies,
                    available: h.available,
                    libraries: h.libraries,
                })
                .collect(),
            facets: results
                .facets
                .into_iter()
                .map(|f| {
                    let label = labels.get(&(f.group.clone(), f.value.clone()));
                    FacetValue {
                        label: label.map(|l| l.0.clone()),
                        label_zh: label.map(|l| l.1.clone()),
                        group: f.group,
                        value: f.value,
                        count: count(f.count),
                    }
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HoldingView {
    pub library_id: String,
    pub library_name: String,
    pub library_name_zh: String,
    pub call_number: String,
    pub location: String,
    /// `available`, `on_loan`, `reference`, `in_transit`, `missing` or `unknown`.
    pub status: String,
    pub due_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    pub id: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub responsibility: Option<String>,
    pub authors: Vec<String>,
    pub edition: Option<String>,
    pub publisher: Option<String>,
    pub place: Option<String>,
    pub year: Option<i32>,
    pub language: String,
    pub format: String,
    pub isbns: Vec<String>,
    pub issns: Vec<String>,
    pub lccn: Option<String>,
    pub oclc: Vec<String>,
    pub lcc: Option<String>,
    pub ddc: Option<String>,
    pub clc: Option<String>,
    pub subjects: Vec<String>,
    pub series: Vec<String>,
    pub notes: Vec<String>,
    pub summary: Option<String>,
    pub contents: Option<String>,
    pub physical: Option<String>,
    /// Romanized forms of the title and names (pinyin).
    pub romanized: Vec<String>,
    pub holdings: Vec<HoldingView>,
    /// When availability was last refreshed (RFC 3339).
    pub availability_as_of: Option<String>,
}

impl RecordView {
    pub fn new(r: RecordDetail, availability_as_of: Option<String>) -> RecordView {
        let d = r.description;
        RecordView {
            id: r.id,
            title: d.title,
            subtitle: d.subtitle,
            responsibility: d.responsibility,
            authors: d.authors,
            edition: d.edition,
            publisher: d.publisher,
            place: d.place,
            year: year(d.year),
            language: d.language,
            format: r.format,
            isbns: d.isbns,
            issns: d.issns,
            lccn: d.lccn,
            oclc: d.oclc,
            lcc: d.lcc,
            ddc: d.ddc,
            clc: d.clc,
            subjects: d.subjects,
            series: d.series,
            notes: d.notes,
            summary: d.summary,
            contents: d.contents,
            physical: d.physical,
            romanized: d.romanized,
            holdings: r
                .holdings
                .into_iter()
                .map(|h| HoldingView {
                    library_id: h.library_id,
                    library_name: h.library_name,
                    library_name_zh: h.library_name_zh,
                    call_number: h.call_number,
                    location: h.location,
                    status: h.status,
                    due_date: h.due_date,
                })
                .collect(),
            availability_as_of,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    Ris,
    Bibtex,
    CslJson,
}

impl From<ExportFormat> for CoreExportFormat {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Ris => CoreExportFormat::Ris,
            ExportFormat::Bibtex => CoreExportFormat::Bibtex,
            ExportFormat::CslJson => CoreExportFormat::CslJson,
        }
    }
}

/// An export written to the user's downloads folder.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    pub path: String,
    pub records: u32,
}

/// Counts above `u32::MAX` are shown as that; a cache that large is far beyond the target.
pub(crate) fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
