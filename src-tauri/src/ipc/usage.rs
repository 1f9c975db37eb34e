//! Usage statistics: what the page reports a patron did, and what a librarian reads.

use super::*;
use commons_core::workstation::{DocumentUse, ResourceUse};
use commons_protocol::usage::{Group, Metric, MetricCount, UsageScope, UsageSummary};

/// One metric's count. `metric` is the protocol's name (`search`, `resource_open`, …).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MetricCountView {
    pub metric: String,
    pub count: u32,
}

/// Counts under one key (a week `2026-W48`, a discipline id or empty).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UsageGroupView {
    pub key: String,
    pub counts: Vec<MetricCountView>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResourceUseView {
    pub id: String,
    pub name: String,
    pub opens: u32,
    pub yearly_cost: Option<u32>,
    /// The yearly cost's share for the period over its opens.
    pub cost_per_use: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentUseView {
    pub sha256: String,
    pub title: String,
    pub opens: u32,
    pub pages: u32,
}

/// The usage statistics screen.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UsageView {
    /// `workstation` (no hub), `library` or `consortium`.
    pub scope: String,
    /// The library's name when `scope` is `library`.
    pub scope_name: Option<String>,
    pub scope_id: Option<String>,
    /// `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    /// Every metric, zero included.
    pub totals: Vec<MetricCountView>,
    pub by_week: Vec<UsageGroupView>,
    pub by_discipline: Vec<UsageGroupView>,
    /// Every resource, most opened first, those never opened last.
    pub resources: Vec<ResourceUseView>,
    pub documents: Vec<DocumentUseView>,
    /// Zero-result searches typed in at least five sessions of a month.
    pub empty_searches: Vec<CountOf>,
    /// Sessions begun in each hour, 0–23.
    pub sessions_by_hour: Vec<u32>,
    /// Mean minutes of a patron session (0 without sessions).
    pub session_minutes: f64,
}

fn counts(v: &[MetricCount]) -> Vec<MetricCountView> {
    v.iter()
        .map(|c| MetricCountView {
            metric: c.metric.as_str().to_owned(),
            count: count(c.count),
        })
        .collect()
}

fn groups(v: &[Group]) -> Vec<UsageGroupView> {
    v.iter()
        .map(|g| UsageGroupView {
            key: g.key.clone(),
            counts: counts(&g.counts),
        })
        .collect()
}

impl UsageView {
    pub fn new(s: &UsageSummary, resources: Vec<ResourceUse>, documents: Vec<DocumentUse>) -> Self {
        let (scope, scope_id, scope_name) = match &s.scope {
            UsageScope::Workstation => ("workstation", None, None),
            UsageScope::Library { id, name } => ("library", Some(id.clone()), Some(name.clone())),
            UsageScope::Consortium => ("consortium", None, None),
        };
        let sessions = s.total(Metric::Session);
        UsageView {
            scope: scope.to_owned(),
            scope_id,
            scope_name,
            from: s.from.to_string(),
            to: s.to.to_string(),
            totals: counts(&s.totals),
            by_week: groups(&s.by_week),
            by_discipline: groups(&s.by_discipline),
            resources: resources
                .into_iter()
                .map(|r| ResourceUseView {
                    id: r.id,
                    name: r.name,
                    opens: count(r.opens),
                    yearly_cost: r.yearly_cost.map(count),
                    cost_per_use: r.cost_per_use,
                })
                .collect(),
            documents: documents
                .into_iter()
                .map(|d| DocumentUseView {
                    sha256: d.sha256,
                    title: d.title,
                    opens: count(d.opens),
                    pages: count(d.pages),
                })
                .collect(),
            empty_searches: s
                .empty_searches
                .iter()
                .map(|e| CountOf {
                    key: e.text.clone(),
                    count: count(e.sessions),
                })
                .collect(),
            sessions_by_hour: s.sessions_by_hour.iter().map(|n| count(*n)).collect(),
            session_minutes: if sessions == 0 {
                0.0
            } else {
                s.total(Metric::SessionSeconds) as f64 / 60.0 / sessions as f64
            },
        }
    }
}

/// A section of the screen to save as CSV.
#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum UsageSection {
    Weeks,
    Disciplines,
    Resources,
    Documents,
    EmptySearches,
    Hours,
}

impl From<UsageSection> for commons_core::usage::Section {
    fn from(s: UsageSection) -> Self {
        use commons_core::usage::Section;
        match s {
            UsageSection::Weeks => Section::Weeks,
            UsageSection::Disciplines => Section::Disciplines,
            UsageSection::Resources => Section::Resources,
            UsageSection::Documents => Section::Documents,
            UsageSection::EmptySearches => Section::EmptySearches,
            UsageSection::Hours => Section::Hours,
        }
    }
}
