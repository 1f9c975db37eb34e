//! The types that cross IPC between the Rust core and the web page, and their conversion from
//! core's domain types. TypeScript bindings for them are generated into
//! `ui/src/lib/bindings.ts` (see [`crate::commands::specta_builder`]).
//!
//! **API boundary:** only these types are serialized for the UI; core's types are not.

use serde::{Deserialize, Serialize};
use specta::Type;

use commons_core::bookings;
use commons_core::catalogue::{ExportFormat as CoreExportFormat, RecordDetail};
use commons_core::config::Language as CoreLanguage;
use commons_core::consortium as core;
use commons_core::demo::{SeedError, SeedProgress, SeedStage as CoreStage};
use commons_core::disciplines::{browse, curate};
use commons_core::search::{SearchError, SearchRequest, SearchResults, Sort as CoreSort};
use commons_core::store::StoreError;
use commons_core::workstation::Labels;

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
}

impl From<StoreError> for IpcError {
    fn from(e: StoreError) -> Self {
        IpcError {
            code: e.code().to_owned(),
            rebuildable: e.is_rebuildable(),
            message: e.to_string(),
        }
    }
}

impl From<SeedError> for IpcError {
    fn from(e: SeedError) -> Self {
        match e {
            SeedError::Store(e) => e.into(),
            other => IpcError::new(other.code(), other),
        }
    }
}

impl From<SearchError> for IpcError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Store(e) => e.into(),
            other => IpcError::new(other.code(), other),
        }
    }
}

impl From<commons_core::workstation::ExportError> for IpcError {
    fn from(e: commons_core::workstation::ExportError) -> Self {
        IpcError::new(e.code(), e)
    }
}

impl IpcError {
    /// An error the cache cannot cause: `code` for the page, the error's text for the log.
    pub fn new(code: &str, message: impl std::fmt::Display) -> IpcError {
        IpcError {
            code: code.to_owned(),
            message: message.to_string(),
            rebuildable: false,
        }
    }

    pub fn not_found(what: &str) -> IpcError {
        IpcError {
            code: "not_found".to_owned(),
            message: format!("{what} is not in the catalogue"),
            rebuildable: false,
        }
    }

    pub fn internal(message: impl std::fmt::Display) -> IpcError {
        IpcError {
            code: "internal".to_owned(),
            message: message.to_string(),
            rebuildable: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type, PartialEq, Eq)]
pub enum Language {
    #[serde(rename = "en")]
    English,
    #[serde(rename = "zh-Hans")]
    SimplifiedChinese,
}

impl From<CoreLanguage> for Language {
    fn from(l: CoreLanguage) -> Self {
        match l {
            CoreLanguage::English => Language::English,
            CoreLanguage::SimplifiedChinese => Language::SimplifiedChinese,
        }
    }
}

impl From<Language> for CoreLanguage {
    fn from(l: Language) -> Self {
        match l {
            Language::English => CoreLanguage::English,
            Language::SimplifiedChinese => CoreLanguage::SimplifiedChinese,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Library {
    pub id: String,
    pub parent_id: Option<String>,
    pub is_central: bool,
    pub name: String,
    pub name_zh: String,
    pub city: String,
    pub city_zh: String,
    pub time_zone: String,
    pub items: u32,
    pub available: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub records: u32,
    pub items: u32,
    pub libraries: u32,
    pub disciplines: u32,
    pub resources: u32,
    pub documents: u32,
    pub librarians: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum DataSource {
    Demo,
    Hub,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub name: String,
    pub name_zh: String,
    pub source: DataSource,
    /// RFC 3339 instant in UTC; the UI shows it in local time.
    pub refreshed_at: Option<String>,
    pub libraries: Vec<Library>,
    pub counts: Counts,
}

impl From<core::Overview> for Overview {
    fn from(o: core::Overview) -> Self {
        Overview {
            name: o.name,
            name_zh: o.name_zh,
            source: match o.source {
                core::DataSource::Demo => DataSource::Demo,
                core::DataSource::Hub => DataSource::Hub,
            },
            refreshed_at: o.refreshed_at.map(|t| t.to_string()),
            libraries: o
                .libraries
                .into_iter()
                .map(|l| Library {
                    id: l.id,
                    parent_id: l.parent_id,
                    is_central: l.is_central,
                    name: l.name,
                    name_zh: l.name_zh,
                    city: l.city,
                    city_zh: l.city_zh,
                    time_zone: l.time_zone,
                    items: count(l.items),
                    available: count(l.available),
                })
                .collect(),
            counts: Counts {
                records: count(o.counts.records),
                items: count(o.counts.items),
                libraries: count(o.counts.libraries),
                disciplines: count(o.counts.disciplines),
                resources: count(o.counts.resources),
                documents: count(o.counts.documents),
                librarians: count(o.counts.librarians),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum SeedStage {
    Libraries,
    Disciplines,
    Catalogue,
    Resources,
    Librarians,
    Documents,
    SearchIndex,
}

/// Progress of preparing the cache, streamed over a channel.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SeedEvent {
    pub stage: SeedStage,
    pub done: u32,
    pub total: u32,
}

impl From<SeedProgress> for SeedEvent {
    fn from(p: SeedProgress) -> Self {
        SeedEvent {
            stage: match p.stage {
                CoreStage::Libraries => SeedStage::Libraries,
                CoreStage::Disciplines => SeedStage::Disciplines,
                CoreStage::Catalogue => SeedStage::Catalogue,
                CoreStage::Resources => SeedStage::Resources,
                CoreStage::Librarians => SeedStage::Librarians,
                CoreStage::Documents => SeedStage::Documents,
                CoreStage::SearchIndex => SeedStage::SearchIndex,
            },
            done: count(p.done),
            total: count(p.total),
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Rebuilt {
    /// Where the old cache was kept, if there was one.
    pub set_aside: Option<String>,
    pub overview: Overview,
}

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

fn year(y: Option<i64>) -> Option<i32> {
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

impl From<commons_core::links::LinkError> for IpcError {
    fn from(e: commons_core::links::LinkError) -> Self {
        IpcError::new(e.code(), e)
    }
}

/// Counts above `u32::MAX` are shown as that; a cache that large is far beyond the target.
fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A discipline's id and names.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DisciplineName {
    pub id: String,
    pub name: String,
    pub name_zh: String,
}

impl From<browse::Named> for DisciplineName {
    fn from(n: browse::Named) -> Self {
        DisciplineName {
            id: n.id,
            name: n.name,
            name_zh: n.name_zh,
        }
    }
}

/// One node of the discipline tree with what it holds (sub-disciplines included).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DisciplineNode {
    pub discipline: DisciplineName,
    pub resources: u32,
    pub records: u32,
    pub documents: u32,
    pub children: Vec<DisciplineNode>,
}

impl From<browse::DisciplineNode> for DisciplineNode {
    fn from(n: browse::DisciplineNode) -> Self {
        DisciplineNode {
            discipline: n.discipline.into(),
            resources: count(n.resources),
            records: count(n.records),
            documents: count(n.documents),
            children: n.children.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSummary {
    pub id: String,
    /// database, journal, ebooks, guide, software, open_access
    pub kind: String,
    pub name: String,
    pub alt_names: Vec<String>,
    pub description: String,
    pub vendor: Option<String>,
    pub url: Option<String>,
    /// open, campus, on_site
    pub access: String,
    pub note: Option<String>,
    pub best_bet: bool,
    pub retired: bool,
}

impl From<browse::ResourceSummary> for ResourceSummary {
    fn from(r: browse::ResourceSummary) -> Self {
        ResourceSummary {
            id: r.id,
            kind: r.kind,
            name: r.name,
            alt_names: r.alt_names,
            description: r.description,
            vendor: r.vendor,
            url: r.url,
            access: r.access,
            note: r.note,
            best_bet: r.best_bet,
            retired: r.retired,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordSummary {
    pub id: String,
    pub title: String,
    pub authors: Vec<String>,
    pub year: Option<i32>,
    pub format: String,
    pub copies: u32,
    pub available: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentSummary {
    pub sha256: String,
    pub title: String,
    pub pages: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LibrarianSummary {
    pub id: String,
    pub name: String,
    pub library: DisciplineName,
    pub subjects: Vec<String>,
    pub languages: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DisciplinePage {
    pub discipline: DisciplineName,
    pub parent: Option<DisciplineName>,
    pub children: Vec<DisciplineName>,
    pub resources: Vec<ResourceSummary>,
    pub records: u32,
    pub newest: Vec<RecordSummary>,
    pub most_held: Vec<RecordSummary>,
    pub documents: Vec<DocumentSummary>,
    pub librarians: Vec<LibrarianSummary>,
    /// The catalogue facet filter (`discipline/<id>`) that lists its records.
    pub catalogue_filter: String,
}

impl From<browse::DisciplinePage> for DisciplinePage {
    fn from(p: browse::DisciplinePage) -> Self {
        let records = |list: Vec<browse::RecordSummary>| {
            list.into_iter()
                .map(|r| RecordSummary {
                    id: r.id,
                    title: r.title,
                    authors: r.authors,
                    year: year(r.year),
                    format: r.format,
                    copies: count(r.copies),
                    available: count(r.available),
                })
                .collect()
        };
        DisciplinePage {
            discipline: p.discipline.into(),
            parent: p.parent.map(Into::into),
            children: p.children.into_iter().map(Into::into).collect(),
            resources: p.resources.into_iter().map(Into::into).collect(),
            records: count(p.records),
            newest: records(p.newest),
            most_held: records(p.most_held),
            documents: p
                .documents
                .into_iter()
                .map(|d| DocumentSummary {
                    sha256: d.sha256,
                    title: d.title,
                    pages: count(d.pages),
                })
                .collect(),
            librarians: p
                .librarians
                .into_iter()
                .map(|l| LibrarianSummary {
                    id: l.id,
                    name: l.name,
                    library: l.library.into(),
                    subjects: l.subjects,
                    languages: l.languages,
                })
                .collect(),
            catalogue_filter: p.catalogue_filter,
        }
    }
}

/// Filters of the resources A–Z; null or empty fields do not filter.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResourceQuery {
    pub query: String,
    pub discipline: Option<String>,
    pub kind: Option<String>,
    pub access: Option<String>,
    /// Retired resources too (librarians only; ignored otherwise).
    pub include_retired: bool,
}

impl From<ResourceQuery> for browse::ResourceFilter {
    fn from(q: ResourceQuery) -> Self {
        let some = |v: Option<String>| v.filter(|s| !s.is_empty());
        browse::ResourceFilter {
            query: q.query.chars().take(1000).collect(),
            discipline: some(q.discipline),
            kind: some(q.kind),
            access: some(q.access),
            // Honoured only while a librarian is signed in.
            include_retired: q.include_retired,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ListedUnder {
    pub discipline: DisciplineName,
    pub best_bet: bool,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDetail {
    pub resource: ResourceSummary,
    pub disciplines: Vec<ListedUnder>,
    pub documents: Vec<DocumentSummary>,
}

impl From<browse::ResourceDetail> for ResourceDetail {
    fn from(d: browse::ResourceDetail) -> Self {
        ResourceDetail {
            resource: d.resource.into(),
            disciplines: d
                .disciplines
                .into_iter()
                .map(|(n, best_bet)| ListedUnder {
                    discipline: n.into(),
                    best_bet,
                })
                .collect(),
            documents: d
                .documents
                .into_iter()
                .map(|d| DocumentSummary {
                    sha256: d.sha256,
                    title: d.title,
                    pages: count(d.pages),
                })
                .collect(),
        }
    }
}

impl From<commons_core::accounts::AccountError> for IpcError {
    fn from(e: commons_core::accounts::AccountError) -> Self {
        match e {
            commons_core::accounts::AccountError::Store(e) => e.into(),
            other => IpcError::new(other.code(), other),
        }
    }
}

impl From<curate::CurateError> for IpcError {
    fn from(e: curate::CurateError) -> Self {
        match e {
            curate::CurateError::Store(e) => e.into(),
            other => IpcError::new(other.code(), other),
        }
    }
}

/// The signed-in librarian.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub username: String,
    pub display_name: String,
}

impl From<commons_core::accounts::Account> for SessionView {
    fn from(a: commons_core::accounts::Account) -> Self {
        SessionView {
            username: a.username,
            display_name: a.display_name,
        }
    }
}

/// A resource as a librarian submits it; `id` is null for a new one.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResourceForm {
    pub id: Option<String>,
    pub kind: String,
    pub name: String,
    pub alt_names: Vec<String>,
    pub description: String,
    pub vendor: String,
    pub url: String,
    pub access: String,
    pub note: String,
    pub disciplines: Vec<ListedUnderInput>,
}

#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ListedUnderInput {
    pub discipline: String,
    pub best_bet: bool,
}

impl From<ResourceForm> for curate::ResourceInput {
    fn from(f: ResourceForm) -> Self {
        curate::ResourceInput {
            id: f.id.filter(|s| !s.is_empty()),
            kind: f.kind,
            name: f.name,
            alt_names: f.alt_names,
            description: f.description,
            vendor: f.vendor,
            url: f.url,
            access: f.access,
            note: f.note,
            disciplines: f
                .disciplines
                .into_iter()
                .map(|d| (d.discipline, d.best_bet))
                .collect(),
        }
    }
}

/// One problem with one field of a resource form.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub other: Option<String>,
}

impl From<curate::FieldError> for FieldProblem {
    fn from(p: curate::FieldError) -> Self {
        FieldProblem {
            field: p.field.to_owned(),
            code: p.code.to_owned(),
            other: p.other,
        }
    }
}

/// What saving a resource did: its id, or the problems to fix.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SaveOutcome {
    pub id: Option<String>,
    pub problems: Vec<FieldProblem>,
}

impl SaveOutcome {
    /// The saved id, or the form's problems (which `invalid` takes out of the error), or
    /// another error.
    fn of<E: Into<IpcError>>(
        result: Result<String, E>,
        invalid: fn(E) -> Result<Vec<curate::FieldError>, E>,
    ) -> Result<SaveOutcome, IpcError> {
        match result.map_err(invalid) {
            Ok(id) => Ok(SaveOutcome {
                id: Some(id),
                problems: Vec::new(),
            }),
            Err(Ok(list)) => Ok(SaveOutcome {
                id: None,
                problems: list.into_iter().map(Into::into).collect(),
            }),
            Err(Err(e)) => Err(e.into()),
        }
    }

    /// A resource saved, or the problems with the form.
    pub fn from_result(
        result: Result<String, curate::CurateError>,
    ) -> Result<SaveOutcome, IpcError> {
        SaveOutcome::of(result, |e| match e {
            curate::CurateError::Invalid(list) => Ok(list),
            other => Err(other),
        })
    }
}

/// One line of a resource's history.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditLine {
    /// RFC 3339 instant in UTC.
    pub at: String,
    pub account: String,
    /// add, edit, retire, restore
    pub action: String,
    pub detail: String,
}

impl From<curate::AuditLine> for AuditLine {
    fn from(l: curate::AuditLine) -> Self {
        AuditLine {
            at: l.at,
            account: l.account,
            action: l.action,
            detail: l.detail,
        }
    }
}

impl From<bookings::BookingError> for IpcError {
    fn from(e: bookings::BookingError) -> Self {
        match e {
            bookings::BookingError::Store(e) => e.into(),
            other => IpcError::new(other.code(), other),
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsultationTypeView {
    pub id: String,
    pub name: String,
    pub name_zh: String,
    pub minutes: u32,
    pub buffer_before: u32,
    pub buffer_after: u32,
    pub min_notice_minutes: u32,
    pub capacity: u32,
    pub window_days: u32,
    pub cancel_cutoff_minutes: u32,
}

/// A consultation type as a librarian edits it; `id` null for a new one.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsultationTypeForm {
    pub id: Option<String>,
    pub name: String,
    pub name_zh: String,
    pub minutes: u32,
    pub buffer_before: u32,
    pub buffer_after: u32,
    pub min_notice_minutes: u32,
    pub capacity: u32,
    pub window_days: u32,
    pub cancel_cutoff_minutes: u32,
}

impl From<ConsultationTypeForm> for bookings::TypeForm {
    fn from(f: ConsultationTypeForm) -> Self {
        bookings::TypeForm {
            id: f.id,
            name: f.name,
            name_zh: f.name_zh,
            minutes: i64::from(f.minutes),
            buffer_before: i64::from(f.buffer_before),
            buffer_after: i64::from(f.buffer_after),
            min_notice_minutes: i64::from(f.min_notice_minutes),
            window_days: i64::from(f.window_days),
            cancel_cutoff_minutes: i64::from(f.cancel_cutoff_minutes),
            capacity: i64::from(f.capacity),
        }
    }
}

impl SaveOutcome {
    /// A consultation type saved, or the problems with the form.
    pub fn from_booking_result(
        result: Result<String, bookings::BookingError>,
    ) -> Result<SaveOutcome, IpcError> {
        SaveOutcome::of(result, |e| match e {
            bookings::BookingError::Invalid(list) => Ok(list),
            other => Err(other),
        })
    }
}

fn small(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

impl From<bookings::ConsultationType> for ConsultationTypeView {
    fn from(t: bookings::ConsultationType) -> Self {
        ConsultationTypeView {
            id: t.id,
            name: t.name,
            name_zh: t.name_zh,
            minutes: small(t.rules.minutes),
            buffer_before: small(t.rules.buffer_before),
            buffer_after: small(t.rules.buffer_after),
            min_notice_minutes: small(t.rules.min_notice_minutes),
            capacity: small(t.rules.capacity),
            window_days: small(t.rules.window_days),
            cancel_cutoff_minutes: small(t.cancel_cutoff_minutes),
        }
    }
}

/// A librarian as students see them: no contact details.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LibrarianProfile {
    pub id: String,
    pub name: String,
    pub library: DisciplineName,
    /// IANA time zone of the library; slots are shown in it.
    pub time_zone: String,
    pub subjects: Vec<String>,
    pub languages: Vec<String>,
    pub disciplines: Vec<String>,
}

impl From<bookings::Profile> for LibrarianProfile {
    fn from(p: bookings::Profile) -> Self {
        LibrarianProfile {
            id: p.id,
            name: p.name,
            library: DisciplineName {
                id: p.library_id,
                name: p.library_name,
                name_zh: p.library_name_zh,
            },
            time_zone: p.time_zone,
            subjects: p.subjects,
            languages: p.languages,
            disciplines: p.disciplines,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlotView {
    /// RFC 3339, UTC.
    pub starts: String,
    pub ends: String,
    pub places: u32,
}

impl From<bookings::slots::Slot> for SlotView {
    fn from(s: bookings::slots::Slot) -> Self {
        SlotView {
            starts: bookings::stamp(s.starts),
            ends: bookings::stamp(s.ends),
            places: small(s.places),
        }
    }
}

/// What a student submits to book.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BookingRequest {
    pub librarian_id: String,
    pub type_id: String,
    /// The slot's start as given by `get_free_slots`.
    pub starts: String,
    pub name: String,
    pub email: String,
    pub topic: String,
    pub discipline_id: Option<String>,
    pub description: String,
}

impl From<BookingRequest> for bookings::Request {
    fn from(r: BookingRequest) -> Self {
        bookings::Request {
            librarian_id: r.librarian_id,
            type_id: r.type_id,
            starts: r.starts.parse().ok(),
            name: r.name,
            email: r.email,
            topic: r.topic,
            discipline_id: r.discipline_id,
            description: r.description,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BookingView {
    pub code: String,
    pub librarian_id: String,
    pub librarian_name: String,
    pub library_name: String,
    pub library_name_zh: String,
    pub time_zone: String,
    pub type_id: String,
    pub discipline_id: Option<String>,
    pub starts: String,
    pub ends: String,
    /// booked, checked_in, completed, no_show, cancelled
    pub status: String,
    pub topic: String,
    /// Personal data: null once purged.
    pub name: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub outcome: Option<String>,
    pub read_level: Option<u32>,
    /// With a hub: `pending` (waiting to reach it), `confirmed` or `refused` (taken first
    /// on another workstation); null on a standalone workstation.
    pub hub_state: Option<String>,
}

impl From<bookings::Booking> for BookingView {
    fn from(b: bookings::Booking) -> Self {
        BookingView {
            code: b.code,
            library_name: b.library_name,
            library_name_zh: b.library_name_zh,
            librarian_id: b.librarian_id,
            librarian_name: b.librarian_name,
            time_zone: b.time_zone,
            type_id: b.type_id,
            discipline_id: b.discipline_id,
            starts: bookings::stamp(b.starts),
            ends: bookings::stamp(b.ends),
            status: b.status,
            topic: b.topic,
            name: b.name,
            email: b.email,
            description: b.description,
            outcome: b.outcome,
            read_level: b.read_level.map(small),
            hub_state: b.hub_state,
        }
    }
}

/// What booking did: the booking, or the problems with the form, or the slot was taken
/// meanwhile (with the nearest free ones).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BookOutcome {
    pub booking: Option<BookingView>,
    pub problems: Vec<FieldProblem>,
    pub taken: bool,
    pub nearest: Vec<SlotView>,
}

impl BookOutcome {
    pub fn from_result(
        result: Result<bookings::Booking, bookings::BookingError>,
    ) -> Result<BookOutcome, IpcError> {
        let empty = BookOutcome {
            booking: None,
            problems: Vec::new(),
            taken: false,
            nearest: Vec::new(),
        };
        match result {
            Ok(b) => Ok(BookOutcome {
                booking: Some(b.into()),
                ..empty
            }),
            Err(bookings::BookingError::Invalid(list)) => Ok(BookOutcome {
                problems: list.into_iter().map(Into::into).collect(),
                ..empty
            }),
            Err(bookings::BookingError::SlotTaken { nearest }) => Ok(BookOutcome {
                taken: true,
                nearest: nearest.into_iter().map(Into::into).collect(),
                ..empty
            }),
            Err(e) => Err(e.into()),
        }
    }
}

/// The signed-in librarian's desk: who they are and the day's queue.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeskView {
    pub librarian: LibrarianProfile,
    pub queue: Vec<BookingView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HoursRow {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u32,
    /// Local wall-clock "HH:MM".
    pub starts: String,
    pub ends: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionView {
    pub id: u32,
    pub date: String,
    pub starts: Option<String>,
    pub ends: Option<String>,
    pub reason: String,
}

impl From<bookings::ExceptionRow> for ExceptionView {
    fn from(e: bookings::ExceptionRow) -> Self {
        ExceptionView {
            id: u32::try_from(e.id).unwrap_or(0),
            date: e.date,
            starts: e.starts,
            ends: e.ends,
            reason: e.reason,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CountOf {
    pub key: String,
    pub count: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsView {
    pub total: u32,
    pub completed: u32,
    pub no_shows: u32,
    pub cancelled: u32,
    /// 0–1.
    pub no_show_rate: f64,
    pub by_discipline: Vec<CountOf>,
    pub by_week: Vec<CountOf>,
    pub by_librarian: Vec<CountOf>,
    pub by_library: Vec<CountOf>,
    /// Completed consultations at READ levels 1 to 6.
    pub read_levels: Vec<u32>,
}

impl From<bookings::stats::Statistics> for StatisticsView {
    fn from(s: bookings::stats::Statistics) -> Self {
        let counts = |v: Vec<(String, u64)>| {
            v.into_iter()
                .map(|(key, n)| CountOf {
                    key,
                    count: count(n),
                })
                .collect()
        };
        StatisticsView {
            total: count(s.total),
            completed: count(s.completed),
            no_shows: count(s.no_shows),
            cancelled: count(s.cancelled),
            no_show_rate: s.no_show_rate,
            by_discipline: counts(s.by_discipline),
            by_week: counts(s.by_week),
            by_librarian: counts(s.by_librarian),
            by_library: counts(s.by_library),
            read_levels: s.read_levels.iter().map(|n| count(*n)).collect(),
        }
    }
}

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

impl From<commons_core::documents::pages::PageIndexError> for IpcError {
    fn from(e: commons_core::documents::pages::PageIndexError) -> Self {
        match e {
            commons_core::documents::pages::PageIndexError::Store(e) => e.into(),
            other => IpcError::new(other.code(), other),
        }
    }
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
#[serde(rename_all = "camelCase")]
pub struct AddDocumentOutcome {
    pub sha256: Option<String>,
    pub problems: Vec<FieldProblem>,
    /// The title of the document already in the store, when this PDF is a duplicate.
    pub duplicate_of: Option<String>,
}

impl AddDocumentOutcome {
    pub fn from_result(
        result: Result<String, commons_core::documents::AddError>,
    ) -> Result<AddDocumentOutcome, IpcError> {
        use commons_core::documents::AddError;
        let empty = AddDocumentOutcome {
            sha256: None,
            problems: Vec::new(),
            duplicate_of: None,
        };
        match result {
            Ok(sha) => Ok(AddDocumentOutcome {
                sha256: Some(sha),
                ..empty
            }),
            Err(AddError::Invalid(list)) => Ok(AddDocumentOutcome {
                problems: list.into_iter().map(Into::into).collect(),
                ..empty
            }),
            Err(AddError::Duplicate(title)) => Ok(AddDocumentOutcome {
                duplicate_of: Some(title),
                ..empty
            }),
            Err(AddError::Store(e)) => Err(e.into()),
            Err(other) => Err(IpcError::new(other.code(), other)),
        }
    }
}

/// How syncing with the hub goes, for the status line.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusView {
    /// A hub is configured (false: a standalone workstation).
    pub configured: bool,
    pub running: bool,
    /// The last attempt reached the hub.
    pub online: bool,
    /// Changes applied by the running or last sync.
    pub applied: u32,
    /// When the cache last caught up with the hub (RFC 3339).
    pub synced_at: Option<String>,
    /// Why the last attempt failed, in words for the technician.
    pub error: Option<String>,
    /// Changes the last sync could not read.
    pub skipped: u32,
}

impl From<commons_core::workstation::SyncStatus> for SyncStatusView {
    fn from(s: commons_core::workstation::SyncStatus) -> Self {
        SyncStatusView {
            configured: s.configured,
            running: s.running,
            online: s.online,
            applied: u32::try_from(s.applied).unwrap_or(u32::MAX),
            synced_at: s.synced_at.map(|t| t.to_string()),
            error: s.error,
            skipped: u32::try_from(s.skipped.len()).unwrap_or(u32::MAX),
        }
    }
}
