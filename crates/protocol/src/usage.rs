//! Usage statistics: what a workstation counts (never who), the daily aggregates it sends
//! with the sync, and the summary a librarian reads.
//!
//! A workstation keeps one count per day, metric, discipline and subject (a resource's id, a
//! document's SHA-256, an hour of the day) and sends each day whole; the hub replaces what it
//! held for that workstation and day, so a day sent twice is counted once. The text of a
//! search that found nothing leaves a workstation only when at least
//! [`EMPTY_SEARCH_SESSIONS_MIN`] patron sessions typed it in a month, and the hub drops
//! anything smaller again. [`summarize`] turns aggregates into the summary the statistics
//! screen draws; the hub and a workstation without a hub run the same code.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The fewest patron sessions that must have typed a search that found nothing, in one
/// month, before its text is kept beyond the workstation's own month.
pub const EMPTY_SEARCH_SESSIONS_MIN: u32 = 5;
/// The longest search text kept (characters, after normalising).
pub const EMPTY_SEARCH_TEXT_MAX: usize = 100;
/// The most days one report carries (a workstation back after a long time sends several).
pub const REPORT_DAYS_MAX: usize = 62;
/// The most counts one day of one workstation holds.
pub const DAY_COUNTS_MAX: usize = 5000;
/// The most zero-result texts one report carries.
pub const REPORT_EMPTY_SEARCHES_MAX: usize = 500;
/// The highest count one row may claim for one day (a workstation is one seat: anything
/// above this is not use but a fault or a forgery).
pub const DAY_COUNT_MAX: u64 = 100_000;
/// A subject (resource id, document SHA-256, hour), in characters.
pub const SUBJECT_MAX: usize = 100;

/// What is counted. Each is a number per day; none names a patron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// A search whose results a patron looked at (not every keystroke of search-as-you-type).
    Search,
    /// A search that found nothing (also counted as a search).
    SearchEmpty,
    /// A record's page opened.
    RecordView,
    /// Citations exported (one per export, whatever its size).
    CitationExport,
    /// An interlibrary request placed.
    RequestPlaced,
    /// A resource opened (subject: the resource's id).
    ResourceOpen,
    /// A document opened in the viewer (subject: its SHA-256).
    DocumentOpen,
    /// A page of a document read, once per page and session (subject: its SHA-256).
    PageRead,
    /// A consultation booked.
    ConsultationBooked,
    /// A patron session begun (subject: the hour it began, `00`–`23`).
    Session,
    /// Seconds of patron sessions, counted as they pass.
    SessionSeconds,
}

impl Metric {
    pub const ALL: [Metric; 11] = [
        Metric::Search,
        Metric::SearchEmpty,
        Metric::RecordView,
        Metric::CitationExport,
        Metric::RequestPlaced,
        Metric::ResourceOpen,
        Metric::DocumentOpen,
        Metric::PageRead,
        Metric::ConsultationBooked,
        Metric::Session,
        Metric::SessionSeconds,
    ];

    /// The name stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Search => "search",
            Metric::SearchEmpty => "search_empty",
            Metric::RecordView => "record_view",
            Metric::CitationExport => "citation_export",
            Metric::RequestPlaced => "request_placed",
            Metric::ResourceOpen => "resource_open",
            Metric::DocumentOpen => "document_open",
            Metric::PageRead => "page_read",
            Metric::ConsultationBooked => "consultation_booked",
            Metric::Session => "session",
            Metric::SessionSeconds => "session_seconds",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Whether the subject names something (a resource, a document, an hour); otherwise it
    /// is empty.
    pub fn has_subject(self) -> bool {
        matches!(
            self,
            Metric::ResourceOpen | Metric::DocumentOpen | Metric::PageRead | Metric::Session
        )
    }
}

/// One count of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageCount {
    pub metric: Metric,
    /// A top-level discipline's id, or empty.
    #[serde(default)]
    pub discipline: String,
    /// What the metric is about (see [`Metric::has_subject`]), or empty.
    #[serde(default)]
    pub subject: String,
    pub count: u64,
}

/// A workstation's whole day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageDay {
    pub day: Date,
    pub counts: Vec<UsageCount>,
}

/// A search that found nothing, typed in `sessions` patron sessions of one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmptySearch {
    /// `YYYY-MM`.
    pub month: String,
    pub text: String,
    pub sessions: u32,
}

/// What a workstation sends (`POST /api/v1/usage`): days whole, and the searches that found
/// nothing often enough to be kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReport {
    pub days: Vec<UsageDay>,
    #[serde(default)]
    pub empty_searches: Vec<EmptySearch>,
}

/// The hub's answer to a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageAccepted {
    pub days: u32,
    /// Texts kept (those under the threshold are dropped, not refused).
    pub empty_searches: u32,
}

/// Normalises what a patron typed, as the zero-result list compares it: spaces collapsed,
/// lower case, at most [`EMPTY_SEARCH_TEXT_MAX`] characters. Empty when nothing is left.
pub fn normalize_query(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    joined
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_control())
        .take(EMPTY_SEARCH_TEXT_MAX)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Whether `month` is `YYYY-MM`.
pub fn is_month(month: &str) -> bool {
    let b = month.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[5..].iter().all(u8::is_ascii_digit)
        && matches!(month[5..].parse::<u8>(), Ok(1..=12))
}

impl UsageReport {
    /// Why the hub refuses the report, if it does (it is refused whole).
    pub fn problem(&self) -> Option<String> {
        if self.days.len() > REPORT_DAYS_MAX {
            return Some(format!("a report carries at most {REPORT_DAYS_MAX} days"));
        }
        if self.empty_searches.len() > REPORT_EMPTY_SEARCHES_MAX {
            return Some(format!(
                "a report carries at most {REPORT_EMPTY_SEARCHES_MAX} searches that found nothing"
            ));
        }
        let mut seen_days = std::collections::BTreeSet::new();
        for d in &self.days {
            if !seen_days.insert(d.day) {
                return Some(format!("the day {} is sent twice", d.day));
            }
            if d.counts.len() > DAY_COUNTS_MAX {
                return Some(format!("a day holds at most {DAY_COUNTS_MAX} counts"));
            }
            let mut seen = std::collections::BTreeSet::new();
            for c in &d.counts {
                if c.count > DAY_COUNT_MAX {
                    return Some(format!(
                        "{} on {} claims {}, more than one workstation can in a day ({DAY_COUNT_MAX})",
                        c.metric.as_str(),
                        d.day,
                        c.count
                    ));
                }
                if c.subject.chars().count() > SUBJECT_MAX
                    || c.discipline.chars().count() > crate::limits::ID_MAX
                {
                    return Some("a subject or discipline is too long".into());
                }
                if c.metric.has_subject() == c.subject.is_empty() {
                    return Some(format!(
                        "{} {}",
                        c.metric.as_str(),
                        if c.metric.has_subject() {
                            "needs a subject"
                        } else {
                            "takes no subject"
                        }
                    ));
                }
                if c.metric == Metric::Session
                    && !matches!(c.subject.parse::<u8>(), Ok(0..=23) if c.subject.len() == 2)
                {
                    return Some("a session's subject is its hour, 00 to 23".into());
                }
                if !seen.insert((c.metric, c.discipline.as_str(), c.subject.as_str())) {
                    return Some(format!("a count on {} is sent twice", d.day));
                }
            }
        }
        for e in &self.empty_searches {
            if !is_month(&e.month) {
                return Some(format!("{:?} is not a month (YYYY-MM)", e.month));
            }
            if normalize_query(&e.text).is_empty() || e.text.chars().count() > EMPTY_SEARCH_TEXT_MAX
            {
                return Some("a search's text is 1 to 100 characters".into());
            }
        }
        None
    }
}

/// Who a summary is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UsageScope {
    /// This workstation alone (one without a hub).
    Workstation,
    /// The workstations of one member library.
    Library { id: String, name: String },
    /// Every workstation of the consortium (the office's view).
    Consortium,
}

/// What a librarian asks for (`GET /api/v1/usage`): a period, and for the office a library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageQuery {
    pub from: Date,
    pub to: Date,
    /// The office may name one library, or none for the whole consortium; a librarian's is
    /// always her own library, whatever is asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library: Option<String>,
}

/// How many of each metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricCount {
    pub metric: Metric,
    pub count: u64,
}

/// Counts under one key (a week, a discipline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub key: String,
    pub counts: Vec<MetricCount>,
}

/// A resource or document and how it was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectUse {
    pub id: String,
    pub opens: u64,
    /// Pages read (documents).
    #[serde(default)]
    pub pages: u64,
}

/// A zero-result search above the threshold, over the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmptySearchCount {
    pub text: String,
    pub sessions: u64,
}

/// The statistics screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSummary {
    pub scope: UsageScope,
    pub from: Date,
    pub to: Date,
    /// Every metric, zero included, in [`Metric::ALL`]'s order.
    pub totals: Vec<MetricCount>,
    /// ISO weeks (`2026-W48`), oldest first.
    pub by_week: Vec<Group>,
    /// Top-level disciplines (empty key: none applied), most used first.
    pub by_discipline: Vec<Group>,
    /// Resources opened, most first (ties by id).
    pub resources: Vec<SubjectUse>,
    /// Documents opened or read, most opened first.
    pub documents: Vec<SubjectUse>,
    /// Zero-result searches typed in at least [`EMPTY_SEARCH_SESSIONS_MIN`] sessions of a
    /// month, most first.
    pub empty_searches: Vec<EmptySearchCount>,
    /// Patron sessions begun in each hour of the day, 0–23.
    pub sessions_by_hour: Vec<u64>,
}

impl UsageSummary {
    pub fn total(&self, metric: Metric) -> u64 {
        self.totals
            .iter()
            .find(|c| c.metric == metric)
            .map_or(0, |c| c.count)
    }
}

/// The ISO week of `day`, `2026-W48`.
pub fn iso_week(day: Date) -> String {
    let w = day.iso_week_date();
    format!("{}-W{:02}", w.year(), w.week())
}

fn counts_of(map: &BTreeMap<Metric, u64>) -> Vec<MetricCount> {
    map.iter()
        .filter(|(_, n)| **n > 0)
        .map(|(&metric, &count)| MetricCount { metric, count })
        .collect()
}

/// One aggregate row: a day, a metric, a discipline, a subject and its count.
pub type Row<'a> = (Date, Metric, &'a str, &'a str, u64);

/// Summarises aggregates of the period `from`–`to` (rows outside it are ignored) and the
/// zero-result searches (those under the threshold in a month are dropped here too).
pub fn summarize<'a>(
    scope: UsageScope,
    from: Date,
    to: Date,
    rows: impl IntoIterator<Item = Row<'a>>,
    empty: impl IntoIterator<Item = EmptySearch>,
) -> UsageSummary {
    let mut totals: BTreeMap<Metric, u64> = Metric::ALL.iter().map(|&m| (m, 0)).collect();
    let mut weeks: BTreeMap<String, BTreeMap<Metric, u64>> = BTreeMap::new();
    let mut disciplines: BTreeMap<String, BTreeMap<Metric, u64>> = BTreeMap::new();
    let mut resources: BTreeMap<String, u64> = BTreeMap::new();
    let mut documents: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut hours = vec![0u64; 24];
    for (day, metric, discipline, subject, count) in rows {
        if day < from || day > to || count == 0 {
            continue;
        }
        *totals.entry(metric).or_insert(0) += count;
        *weeks
            .entry(iso_week(day))
            .or_default()
            .entry(metric)
            .or_insert(0) += count;
        if !matches!(metric, Metric::Session | Metric::SessionSeconds) {
            *disciplines
                .entry(discipline.to_owned())
                .or_default()
                .entry(metric)
                .or_insert(0) += count;
        }
        match metric {
            Metric::ResourceOpen => *resources.entry(subject.to_owned()).or_insert(0) += count,
            Metric::DocumentOpen => documents.entry(subject.to_owned()).or_default().0 += count,
            Metric::PageRead => documents.entry(subject.to_owned()).or_default().1 += count,
            Metric::Session => {
                if let Ok(h @ 0..=23) = subject.parse::<usize>() {
                    hours[h] += count;
                }
            }
            _ => {}
        }
    }
    let mut by_discipline: Vec<Group> = disciplines
        .into_iter()
        .map(|(key, m)| Group {
            key,
            counts: counts_of(&m),
        })
        .collect();
    let weight = |g: &Group| g.counts.iter().map(|c| c.count).sum::<u64>();
    by_discipline.sort_by(|a, b| weight(b).cmp(&weight(a)).then_with(|| a.key.cmp(&b.key)));
    let mut resources: Vec<SubjectUse> = resources
        .into_iter()
        .map(|(id, opens)| SubjectUse {
            id,
            opens,
            pages: 0,
        })
        .collect();
    resources.sort_by(|a, b| b.opens.cmp(&a.opens).then_with(|| a.id.cmp(&b.id)));
    let mut documents: Vec<SubjectUse> = documents
        .into_iter()
        .map(|(id, (opens, pages))| SubjectUse { id, opens, pages })
        .collect();
    documents.sort_by(|a, b| {
        (b.opens, b.pages)
            .cmp(&(a.opens, a.pages))
            .then_with(|| a.id.cmp(&b.id))
    });
    // A text counts when one month reached the threshold; months overlapping the period.
    let (first, last) = (
        format!("{:04}-{:02}", from.year(), from.month()),
        format!("{:04}-{:02}", to.year(), to.month()),
    );
    let mut monthly: BTreeMap<(String, String), u64> = BTreeMap::new();
    for e in empty {
        if e.month < first || e.month > last {
            continue;
        }
        let text = normalize_query(&e.text);
        if text.is_empty() {
            continue;
        }
        *monthly.entry((e.month, text)).or_insert(0) += u64::from(e.sessions);
    }
    let mut empty_searches: BTreeMap<String, u64> = BTreeMap::new();
    for ((_, text), sessions) in monthly {
        if sessions >= u64::from(EMPTY_SEARCH_SESSIONS_MIN) {
            *empty_searches.entry(text).or_insert(0) += sessions;
        }
    }
    let mut empty_searches: Vec<EmptySearchCount> = empty_searches
        .into_iter()
        .map(|(text, sessions)| EmptySearchCount { text, sessions })
        .collect();
    empty_searches.sort_by(|a, b| {
        b.sessions
            .cmp(&a.sessions)
            .then_with(|| a.text.cmp(&b.text))
    });
    UsageSummary {
        scope,
        from,
        to,
        totals: Metric::ALL
            .iter()
            .map(|&metric| MetricCount {
                metric,
                count: totals[&metric],
            })
            .collect(),
        by_week: weeks
            .into_iter()
            .map(|(key, m)| Group {
                key,
                counts: counts_of(&m),
            })
            .collect(),
        by_discipline,
        resources,
        documents,
        empty_searches,
        sessions_by_hour: hours,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn count(metric: Metric, subject: &str, n: u64) -> UsageCount {
        UsageCount {
            metric,
            discipline: String::new(),
            subject: subject.into(),
            count: n,
        }
    }

    #[test]
    fn a_report_is_refused_whole_for_each_fault() {
        let ok = UsageReport {
            days: vec![UsageDay {
                day: date(2026, 11, 30),
                counts: vec![
                    count(Metric::Search, "", 3),
                    count(Metric::Session, "09", 1),
                ],
            }],
            empty_searches: vec![EmptySearch {
                month: "2026-11".into(),
                text: "quantum gravity".into(),
                sessions: 5,
            }],
        };
        assert_eq!(ok.problem(), None);
        let mut bad = ok.clone();
        bad.days[0].counts.push(count(Metric::Search, "", 1));
        assert!(bad.problem().unwrap().contains("twice"));
        let mut bad = ok.clone();
        bad.days[0].counts[0].count = DAY_COUNT_MAX + 1;
        assert!(bad.problem().unwrap().contains("more than one workstation"));
        let mut bad = ok.clone();
        bad.days[0].counts[0].subject = "x".into();
        assert!(bad.problem().unwrap().contains("takes no subject"));
        let mut bad = ok.clone();
        bad.days[0].counts[1].subject = "24".into();
        assert!(bad.problem().unwrap().contains("hour"));
        let mut bad = ok.clone();
        bad.days.push(bad.days[0].clone());
        assert!(bad.problem().unwrap().contains("sent twice"));
        let mut bad = ok.clone();
        bad.empty_searches[0].month = "2026-13".into();
        assert!(bad.problem().unwrap().contains("month"));
    }

    #[test]
    fn the_summary_adds_up_and_drops_rare_texts() {
        let from = date(2026, 11, 1);
        let to = date(2026, 11, 30);
        let rows = vec![
            (date(2026, 11, 2), Metric::Search, "sci", "", 4),
            (date(2026, 11, 3), Metric::Search, "", "", 1),
            (date(2026, 11, 3), Metric::ResourceOpen, "sci", "jstor", 2),
            (date(2026, 11, 4), Metric::ResourceOpen, "", "arxiv", 5),
            (date(2026, 11, 4), Metric::DocumentOpen, "", "ab", 1),
            (date(2026, 11, 4), Metric::PageRead, "", "ab", 7),
            (date(2026, 11, 10), Metric::Session, "", "14", 3),
            (date(2026, 10, 31), Metric::Search, "", "", 100),
        ];
        let empty = vec![
            EmptySearch {
                month: "2026-11".into(),
                text: "Dark  Matter".into(),
                sessions: 3,
            },
            EmptySearch {
                month: "2026-11".into(),
                text: "dark matter".into(),
                sessions: 2,
            },
            EmptySearch {
                month: "2026-11".into(),
                text: "rare".into(),
                sessions: 4,
            },
        ];
        let s = summarize(UsageScope::Consortium, from, to, rows, empty);
        assert_eq!(s.total(Metric::Search), 5);
        assert_eq!(s.total(Metric::ResourceOpen), 7);
        assert_eq!(s.resources[0].id, "arxiv");
        assert_eq!(s.documents[0].pages, 7);
        assert_eq!(s.sessions_by_hour[14], 3);
        assert_eq!(s.by_week.len(), 2, "{:?}", s.by_week);
        assert_eq!(s.by_discipline[0].key, "");
        assert_eq!(
            s.empty_searches,
            vec![EmptySearchCount {
                text: "dark matter".into(),
                sessions: 5
            }]
        );
    }

    #[test]
    fn queries_are_normalised() {
        assert_eq!(normalize_query("  Dark\t MATTER \n"), "dark matter");
        assert_eq!(normalize_query(" \u{7} "), "");
        assert_eq!(
            normalize_query(&"x".repeat(300)).len(),
            EMPTY_SEARCH_TEXT_MAX
        );
    }
}
