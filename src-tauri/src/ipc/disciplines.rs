//! Disciplines, resources, curation and the librarian's session.

use super::*;

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

/// The signed-in librarian.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub username: String,
    pub display_name: String,
    /// Seconds until the session ends unless the librarian acts (the page warns a minute
    /// before).
    pub expires_in_secs: u32,
}

impl SessionView {
    pub fn of((a, left): (commons_core::accounts::Account, std::time::Duration)) -> Self {
        SessionView {
            username: a.username,
            display_name: a.display_name,
            expires_in_secs: u32::try_from(left.as_secs()).unwrap_or(u32::MAX),
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
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SaveOutcome {
    Saved { id: String },
    Invalid { problems: Vec<FieldProblem> },
}

impl SaveOutcome {
    /// The saved id, or the form's problems (which `invalid` takes out of the error), or
    /// another error.
    pub(crate) fn of<E: Into<IpcError>>(
        result: Result<String, E>,
        invalid: fn(E) -> Result<Vec<curate::FieldError>, E>,
    ) -> Result<SaveOutcome, IpcError> {
        match result.map_err(invalid) {
            Ok(id) => Ok(SaveOutcome::Saved { id }),
            Err(Ok(list)) => Ok(SaveOutcome::Invalid {
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
