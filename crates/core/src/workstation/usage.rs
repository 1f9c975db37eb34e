//! Usage statistics: counting what patrons do (never who), sending the days to the hub, and
//! the statistics a librarian reads.
//!
//! A patron session here is what the kiosk's clearing ends: it begins with the first counted
//! action after the last one ended (or after the idle limit passed), and its seconds are
//! counted as they pass, between actions closer than the idle limit. Which zero-result texts
//! and pages this session already counted is held in memory only: a restart begins a new
//! session, as the page does.

use std::collections::HashSet;

use commons_protocol::usage::{self, Metric, UsageQuery, UsageScope, UsageSummary};
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::*;
use crate::sync;
use crate::usage as store_usage;

/// What the current patron session has counted, in memory.
#[derive(Debug, Default)]
pub(super) struct Tally {
    last: Option<Timestamp>,
    empty_texts: HashSet<String>,
    pages: HashSet<(String, u32)>,
}

/// Something a patron did that statistics count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageEvent<'a> {
    /// A search whose results were looked at: its text (kept only if it found nothing and
    /// enough sessions typed it), how many it found, the discipline it was limited to.
    Search {
        text: &'a str,
        found: u64,
        discipline: Option<&'a str>,
    },
    RecordView {
        record: &'a str,
    },
    CitationExport {
        record: Option<&'a str>,
    },
    ResourceOpen {
        resource: &'a str,
    },
    DocumentOpen {
        sha: &'a str,
    },
    PageRead {
        sha: &'a str,
        page: u32,
    },
    ConsultationBooked {
        discipline: Option<&'a str>,
    },
}

/// Days of counts a workstation keeps for itself (with a hub, only days the hub has).
const KEEP_DAYS: i64 = 400;

impl Workstation {
    pub(super) fn tally(&self) -> MutexGuard<'_, Tally> {
        self.tally
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts what a patron did, now. Counting never fails the action it counts: a problem
    /// is logged.
    pub fn count(&self, event: UsageEvent<'_>) {
        self.count_at(Timestamp::now(), event);
    }

    /// Counts what a patron did at `now` (the workstation's local day and hour). What
    /// happens while a librarian is signed in is staff work, not use, and is not counted.
    pub fn count_at(&self, now: Timestamp, event: UsageEvent<'_>) {
        if !self.config.usage_counting.value || self.signed_in().is_some() {
            return;
        }
        // A reader's own delivered copy is not the library's document: never counted.
        if let UsageEvent::PageRead { sha, .. } = event
            && self.copies_slot().contains_key(sha)
        {
            return;
        }
        if let Err(e) = self.with_store(|store| self.count_in(store, now, event)) {
            tracing::warn!(error = %e, "a usage count could not be written");
        }
    }

    fn count_in(
        &self,
        store: &Store,
        now: Timestamp,
        event: UsageEvent<'_>,
    ) -> Result<(), StoreError> {
        let local = now.to_zoned(TimeZone::system());
        let day = local.date();
        let mut tally = self.tally();
        let idle = jiff::SignedDuration::from_secs(
            i64::from(self.config.kiosk_idle_minutes.value).saturating_mul(60),
        );
        match tally.last {
            Some(last) if now.duration_since(last) < idle => {
                let secs = now.duration_since(last).as_secs().max(0);
                store_usage::add(
                    store,
                    day,
                    Metric::SessionSeconds,
                    "",
                    "",
                    secs.unsigned_abs(),
                )?;
            }
            _ => {
                // A new patron session (the first action, or one after the idle limit).
                *tally = Tally::default();
                store_usage::add(
                    store,
                    day,
                    Metric::Session,
                    "",
                    &format!("{:02}", local.hour()),
                    1,
                )?;
            }
        }
        tally.last = Some(now);
        let top = |id: Option<&str>| -> Result<String, StoreError> {
            match id {
                Some(id) if !id.is_empty() => store_usage::top_discipline(store, id),
                _ => Ok(String::new()),
            }
        };
        match event {
            UsageEvent::Search {
                text,
                found,
                discipline,
            } => {
                let d = top(discipline)?;
                store_usage::add(store, day, Metric::Search, &d, "", 1)?;
                if found == 0 {
                    store_usage::add(store, day, Metric::SearchEmpty, &d, "", 1)?;
                    let text = usage::normalize_query(text);
                    if !text.is_empty() && tally.empty_texts.insert(text.clone()) {
                        store_usage::add_empty_search(store, day, &text)?;
                    }
                }
            }
            UsageEvent::RecordView { record } => {
                let d = store_usage::record_discipline(store, record)?;
                store_usage::add(store, day, Metric::RecordView, &d, "", 1)?;
            }
            UsageEvent::CitationExport { record } => {
                let d = match record {
                    Some(r) => store_usage::record_discipline(store, r)?,
                    None => String::new(),
                };
                store_usage::add(store, day, Metric::CitationExport, &d, "", 1)?;
            }
            UsageEvent::ResourceOpen { resource } => {
                let d = store_usage::resource_discipline(store, resource)?;
                store_usage::add(store, day, Metric::ResourceOpen, &d, resource, 1)?;
            }
            UsageEvent::DocumentOpen { sha } => {
                store_usage::add(store, day, Metric::DocumentOpen, "", sha, 1)?;
            }
            UsageEvent::PageRead { sha, page } => {
                if tally.pages.insert((sha.to_owned(), page)) {
                    store_usage::add(store, day, Metric::PageRead, "", sha, 1)?;
                }
            }
            UsageEvent::ConsultationBooked { discipline } => {
                let d = top(discipline)?;
                store_usage::add(store, day, Metric::ConsultationBooked, &d, "", 1)?;
            }
        }
        Ok(())
    }

    /// Ends the patron session's counting (its last seconds counted when it ended by a
    /// patron's own action, not by the idle countdown).
    pub(super) fn end_usage_session(&self, now: Timestamp) {
        let last = std::mem::take(&mut *self.tally()).last;
        let idle = jiff::SignedDuration::from_secs(
            i64::from(self.config.kiosk_idle_minutes.value).saturating_mul(60),
        );
        if let Some(last) = last
            && self.config.usage_counting.value
            && now.duration_since(last) < idle
        {
            let day = now.to_zoned(TimeZone::system()).date();
            let secs = now.duration_since(last).as_secs().max(0).unsigned_abs();
            if let Err(e) =
                self.with_store(|s| store_usage::add(s, day, Metric::SessionSeconds, "", "", secs))
            {
                tracing::warn!(error = %e, "a usage count could not be written");
            }
        }
    }

    /// Sends the days that changed since they were last sent, each whole (the hub replaces
    /// them), until none is left. Returns how many days went.
    pub(super) fn send_usage(&self, hub: &sync::Hub) -> Result<usize, sync::SyncError> {
        let today = Timestamp::now().to_zoned(TimeZone::system()).date();
        let mut sent = 0;
        loop {
            let pending = self.with_store(|s| store_usage::pending(s, today))?;
            if pending.is_empty() {
                break;
            }
            hub.send_usage(&pending.report)?;
            self.with_store(|s| store_usage::mark_sent(s, &pending.changes))?;
            sent += pending.changes.len();
            if pending.changes.is_empty() {
                break;
            }
        }
        self.with_store(|s| store_usage::tidy(s, today, KEEP_DAYS, true))?;
        Ok(sent)
    }

    /// The usage statistics of the last `days` days (today included): from the hub for a
    /// librarian signed in there (her library's, or the consortium's for the office, or the
    /// library the office names), else this workstation's own.
    pub fn usage_statistics(
        &self,
        days: u32,
        library: Option<String>,
    ) -> Result<UsageSummary, BookingError> {
        self.signed_in().ok_or(BookingError::NotSignedIn)?;
        let to = Timestamp::now().to_zoned(TimeZone::system()).date();
        let from = to
            .checked_sub(jiff::Span::new().days(i64::from(days.clamp(1, 3660)) - 1))
            .unwrap_or(to);
        if let Some((hub, token)) = self.hub_desk() {
            match hub.usage(&token, &UsageQuery { from, to, library }) {
                Ok(Some(summary)) => return Ok(summary),
                Ok(None) => *self.hub_session_slot() = None,
                Err(e) if e.is_refusal() => return Err(BookingError::HubRefused(e.to_string())),
                Err(e) => tracing::warn!(error = %e, "the hub's statistics could not be read"),
            }
        }
        self.local_usage(from, to)
    }

    /// This workstation's own counts for `from`–`to`.
    pub fn local_usage(&self, from: Date, to: Date) -> Result<UsageSummary, BookingError> {
        let today = Timestamp::now().to_zoned(TimeZone::system()).date();
        Ok(self.with_store(|s| {
            if self.hub().ok().flatten().is_none() {
                store_usage::tidy(s, today, KEEP_DAYS, false)?;
            }
            store_usage::summary(s, from, to)
        })?)
    }

    /// Writes one section of a summary as CSV into the downloads folder (this session's).
    pub fn usage_csv(
        &self,
        summary: &UsageSummary,
        section: store_usage::Section,
    ) -> Result<PathBuf, ExportError> {
        struct FromCache<'a>(&'a Workstation);
        impl store_usage::Names for FromCache<'_> {
            fn resource(&self, id: &str) -> (String, Option<u64>) {
                self.0
                    .resource(id)
                    .ok()
                    .flatten()
                    .map(|r| (r.resource.name, r.resource.yearly_cost))
                    .unwrap_or_default()
            }
            fn document(&self, sha: &str) -> String {
                self.0
                    .with_store(|s| crate::documents::title(s, sha))
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            }
        }
        let text = store_usage::csv(summary, section, &FromCache(self));
        let scope = match &summary.scope {
            UsageScope::Workstation => "workstation".to_owned(),
            UsageScope::Library { id, .. } => id.clone(),
            UsageScope::Consortium => "consortium".to_owned(),
        };
        let base = format!("commons-usage-{}-{}", section.name(), scope)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>();
        self.save_download(&base, "csv", &text)
    }
}

/// A resource in the statistics: its name, opens and, when the resource list gives its
/// yearly cost, the cost per use.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceUse {
    pub id: String,
    pub name: String,
    pub opens: u64,
    pub yearly_cost: Option<u64>,
    /// The yearly cost over the period's opens, scaled to a year (`None` without a cost or
    /// without a use).
    pub cost_per_use: Option<f64>,
}

/// A document in the statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentUse {
    pub sha256: String,
    pub title: String,
    pub opens: u64,
    pub pages: u64,
}

impl Workstation {
    /// Every resource of the list (those never opened too, last), most opened first, with
    /// names and costs from this cache; and the documents with their titles.
    pub fn usage_names(
        &self,
        summary: &UsageSummary,
    ) -> Result<(Vec<ResourceUse>, Vec<DocumentUse>), StoreError> {
        let all = self.with_store(|s| browse::resources(s, &browse::ResourceFilter::default()))?;
        let days = (summary.to - summary.from).get_days().max(0) + 1;
        let per_use = |cost: Option<u64>, opens: u64| {
            cost.filter(|_| opens > 0)
                .map(|c| c as f64 * (f64::from(days) / 365.0) / opens as f64)
        };
        let mut resources: Vec<ResourceUse> = summary
            .resources
            .iter()
            .map(|r| {
                let known = all.iter().find(|a| a.id == r.id);
                let cost = known.and_then(|a| a.yearly_cost);
                ResourceUse {
                    id: r.id.clone(),
                    name: known.map_or_else(|| r.id.clone(), |a| a.name.clone()),
                    opens: r.opens,
                    yearly_cost: cost,
                    cost_per_use: per_use(cost, r.opens),
                }
            })
            .collect();
        let mut unused: Vec<ResourceUse> = all
            .iter()
            .filter(|a| !summary.resources.iter().any(|r| r.id == a.id))
            .map(|a| ResourceUse {
                id: a.id.clone(),
                name: a.name.clone(),
                opens: 0,
                yearly_cost: a.yearly_cost,
                cost_per_use: None,
            })
            .collect();
        unused.sort_by(|a, b| {
            b.yearly_cost
                .cmp(&a.yearly_cost)
                .then_with(|| a.name.cmp(&b.name))
        });
        resources.extend(unused);
        let documents = self.with_store(|s| {
            summary
                .documents
                .iter()
                .map(|d| {
                    Ok(DocumentUse {
                        sha256: d.id.clone(),
                        title: crate::documents::title(s, &d.id)?.unwrap_or_else(|| d.id.clone()),
                        opens: d.opens,
                        pages: d.pages,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })?;
        Ok((resources, documents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The workstation tests' own, prepared.
    fn workstation(dir: &Path, extra: &[(&str, &str)]) -> Workstation {
        let ws = super::super::tests::workstation(dir, extra);
        ws.prepare(&mut |_| {}).unwrap();
        ws
    }

    #[test]
    fn a_standalone_workstation_counts_for_itself_and_names_what_it_counted() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[]);
        assert!(matches!(
            ws.usage_statistics(30, None),
            Err(BookingError::NotSignedIn)
        ));
        let record = ws
            .search(&SearchRequest {
                query: "a".into(),
                ..Default::default()
            })
            .unwrap()
            .0
            .hits[0]
            .id
            .clone();
        ws.record(&record).unwrap();
        ws.count(UsageEvent::Search {
            text: "nothing here at all",
            found: 0,
            discipline: Some("physics"),
        });
        ws.count(UsageEvent::ResourceOpen {
            resource: "res-arxiv",
        });
        ws.sign_in("librarian", "meridian-demo").unwrap();
        let s = ws.usage_statistics(30, None).unwrap();
        assert_eq!(s.scope, UsageScope::Workstation);
        assert_eq!(s.total(Metric::RecordView), 1);
        assert_eq!(s.total(Metric::SearchEmpty), 1);
        assert_eq!(s.total(Metric::Session), 1, "one patron so far");
        let physical = s
            .by_discipline
            .iter()
            .find(|g| g.key == "physical-sciences")
            .unwrap_or_else(|| panic!("physics is a physical science: {:?}", s.by_discipline));
        assert!(
            physical
                .counts
                .iter()
                .any(|c| c.metric == Metric::Search && c.count == 1),
            "the search limited to physics counts under its top discipline: {physical:?}"
        );
        let (resources, _) = ws.usage_names(&s).unwrap();
        assert_eq!(resources[0].id, "res-arxiv");
        assert_eq!(resources[0].opens, 1);
        assert!(
            resources.len() > 20 && resources[1..].iter().all(|r| r.opens == 0),
            "every other resource is listed as unused"
        );
        let path = ws.usage_csv(&s, store_usage::Section::Resources).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("res-arxiv,arXiv,1"), "{text}");
        assert!(
            ws.session_files().contains(&path),
            "the CSV is the session's"
        );
    }

    #[test]
    fn a_librarian_at_work_is_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[]);
        ws.sign_in("librarian", "meridian-demo").unwrap();
        ws.count(UsageEvent::ResourceOpen {
            resource: "res-arxiv",
        });
        let s = ws.usage_statistics(30, None).unwrap();
        assert_eq!(s.total(Metric::ResourceOpen), 0);
        assert_eq!(s.total(Metric::Session), 0);
        ws.finish_session();
        ws.count(UsageEvent::ResourceOpen {
            resource: "res-arxiv",
        });
        ws.sign_in("librarian", "meridian-demo").unwrap();
        let s = ws.usage_statistics(30, None).unwrap();
        assert_eq!(s.total(Metric::ResourceOpen), 1, "a patron after her is");
    }

    #[test]
    fn counting_switched_off_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[("COMMONS_USAGE_COUNTING", "false")]);
        ws.count(UsageEvent::Search {
            text: "x",
            found: 0,
            discipline: None,
        });
        ws.count(UsageEvent::ResourceOpen {
            resource: "res-arxiv",
        });
        let n: i64 = ws
            .with_store(|s| {
                s.conn()
                    .query_row(
                        "SELECT (SELECT count(*) FROM usage_counts)
                              + (SELECT count(*) FROM usage_empty_searches)",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(|e| s.err(e))
            })
            .unwrap();
        assert_eq!(n, 0);
    }
}
