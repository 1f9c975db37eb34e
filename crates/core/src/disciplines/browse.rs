//! What the Disciplines screens read: the tree with counts, one discipline's page, and the
//! resources A–Z with filters and search.
//!
//! The taxonomy has two levels (disciplines and their sub-disciplines). What a
//! sub-discipline holds also counts for its parent, each item once.

use rusqlite::{OptionalExtension, Row};

use crate::search::text::normalized;
use crate::store::{Store, StoreError};

/// Names of a discipline in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: String,
    pub name: String,
    pub name_zh: String,
}

/// One node of the tree with what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisciplineNode {
    pub discipline: Named,
    pub resources: u64,
    pub records: u64,
    pub documents: u64,
    pub children: Vec<DisciplineNode>,
}

/// A resource as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSummary {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub alt_names: Vec<String>,
    pub description: String,
    pub vendor: Option<String>,
    pub url: Option<String>,
    pub access: String,
    pub note: Option<String>,
    /// On a discipline page: whether it is a best bet there.
    pub best_bet: bool,
    pub retired: bool,
    /// What the consortium pays for it a year, when the resource list says.
    pub yearly_cost: Option<u64>,
}

/// A catalogue record as a discipline page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSummary {
    pub id: String,
    pub title: String,
    pub authors: Vec<String>,
    pub year: Option<i64>,
    pub format: String,
    pub copies: u64,
    pub available: u64,
}

/// A document of the document store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSummary {
    pub sha256: String,
    pub title: String,
    pub pages: u64,
}

/// A subject librarian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibrarianSummary {
    pub id: String,
    pub name: String,
    pub library: Named,
    pub subjects: Vec<String>,
    pub languages: Vec<String>,
}

/// Everything one discipline's page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisciplinePage {
    pub discipline: Named,
    pub parent: Option<Named>,
    pub children: Vec<Named>,
    /// Best bets first, then by name.
    pub resources: Vec<ResourceSummary>,
    pub records: u64,
    pub newest: Vec<RecordSummary>,
    pub most_held: Vec<RecordSummary>,
    pub documents: Vec<DocumentSummary>,
    pub librarians: Vec<LibrarianSummary>,
    /// The discipline facet value that shows all its records in the catalogue.
    pub catalogue_filter: String,
}

/// Filters of the A–Z list; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceFilter {
    pub query: String,
    pub discipline: Option<String>,
    pub kind: Option<String>,
    pub access: Option<String>,
    /// Librarians also see retired resources.
    pub include_retired: bool,
}

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn named(row: &Row<'_>, at: usize) -> rusqlite::Result<Named> {
    Ok(Named {
        id: row.get(at)?,
        name: row.get(at + 1)?,
        name_zh: row.get(at + 2)?,
    })
}

/// `(discipline, count)` for a query returning item and discipline columns, counted for the
/// discipline and, once per item, for its parent.
fn counts(
    store: &Store,
    items: &str,
) -> Result<std::collections::HashMap<String, u64>, StoreError> {
    let sql = format!(
        "WITH item(item, discipline) AS ({items}),
              up(item, discipline) AS (
                  SELECT item, discipline FROM item
                  UNION
                  SELECT i.item, d.parent_id FROM item i JOIN disciplines d ON d.id = i.discipline
                  WHERE d.parent_id IS NOT NULL)
         SELECT discipline, count(*) FROM up GROUP BY discipline"
    );
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(|e| store.err(e))?;
    let mut out = std::collections::HashMap::new();
    for row in rows {
        let (d, n) = row.map_err(|e| store.err(e))?;
        out.insert(d, n.unsigned_abs());
    }
    Ok(out)
}

/// The discipline tree in taxonomy order, with counts.
pub fn tree(store: &Store) -> Result<Vec<DisciplineNode>, StoreError> {
    let resources = counts(
        store,
        "SELECT rd.resource_id, rd.discipline_id FROM resource_disciplines rd
         JOIN resources r ON r.id = rd.resource_id WHERE r.retired_at IS NULL",
    )?;
    let records = counts(
        store,
        "SELECT record_id, discipline_id FROM record_disciplines",
    )?;
    let documents = counts(
        store,
        "SELECT sha256, discipline_id FROM documents WHERE discipline_id IS NOT NULL",
    )?;
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, name, name_zh, parent_id FROM disciplines
             ORDER BY parent_id IS NOT NULL, position, name",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([], |r| Ok((named(r, 0)?, r.get::<_, Option<String>>(3)?)))
        .map_err(|e| store.err(e))?;
    let mut top: Vec<DisciplineNode> = Vec::new();
    for row in rows {
        let (d, parent) = row.map_err(|e| store.err(e))?;
        let get = |m: &std::collections::HashMap<String, u64>| m.get(&d.id).copied().unwrap_or(0);
        let node = DisciplineNode {
            resources: get(&resources),
            records: get(&records),
            documents: get(&documents),
            discipline: d,
            children: Vec::new(),
        };
        match parent {
            None => top.push(node),
            Some(p) => {
                if let Some(parent) = top.iter_mut().find(|t| t.discipline.id == p) {
                    parent.children.push(node);
                }
            }
        }
    }
    Ok(top)
}

const RESOURCE_COLUMNS: &str = "r.id, r.kind, r.name, r.alt_names, r.description, r.vendor, \
     r.url, r.access, r.note, r.retired_at IS NOT NULL, r.yearly_cost";

fn resource(row: &Row<'_>, best_bet: bool) -> rusqlite::Result<ResourceSummary> {
    Ok(ResourceSummary {
        id: row.get(0)?,
        kind: row.get(1)?,
        name: row.get(2)?,
        alt_names: list(&row.get::<_, String>(3)?),
        description: row.get(4)?,
        vendor: row.get(5)?,
        url: row.get(6)?,
        access: row.get(7)?,
        note: row.get(8)?,
        retired: row.get(9)?,
        yearly_cost: row
            .get::<_, Option<i64>>(10)?
            .and_then(|c| u64::try_from(c).ok()),
        best_bet,
    })
}

fn records(store: &Store, ids: &[String], order: &str) -> Result<Vec<RecordSummary>, StoreError> {
    let marks = vec!["?"; ids.len()].join(",");
    let sql = format!(
        "SELECT r.id, r.title, r.authors, r.year, r.format,
                (SELECT count(*) FROM holdings h WHERE h.record_id = r.id) AS copies,
                (SELECT count(*) FROM holdings h WHERE h.record_id = r.id AND h.status = 'available')
         FROM records r
         WHERE r.id IN (SELECT record_id FROM record_disciplines WHERE discipline_id IN ({marks}))
         ORDER BY {order}, r.title, r.id LIMIT 8"
    );
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(ids), |r| {
            Ok(RecordSummary {
                id: r.get(0)?,
                title: r.get(1)?,
                authors: list(&r.get::<_, String>(2)?),
                year: r.get(3)?,
                format: r.get(4)?,
                copies: r.get::<_, i64>(5)?.unsigned_abs(),
                available: r.get::<_, i64>(6)?.unsigned_abs(),
            })
        })
        .map_err(|e| store.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.err(e))
}

/// One discipline's page; `None` when the cache has no such discipline.
pub fn page(store: &Store, id: &str) -> Result<Option<DisciplinePage>, StoreError> {
    let conn = store.conn();
    let sql = |e| store.err(e);
    let Some((discipline, parent_id)) = conn
        .query_row(
            "SELECT id, name, name_zh, parent_id FROM disciplines WHERE id = ?1",
            [id],
            |r| Ok((named(r, 0)?, r.get::<_, Option<String>>(3)?)),
        )
        .optional()
        .map_err(sql)?
    else {
        return Ok(None);
    };
    let parent = match &parent_id {
        Some(p) => conn
            .query_row(
                "SELECT id, name, name_zh FROM disciplines WHERE id = ?1",
                [p],
                |r| named(r, 0),
            )
            .optional()
            .map_err(sql)?,
        None => None,
    };
    let children: Vec<Named> = conn
        .prepare_cached(
            "SELECT id, name, name_zh FROM disciplines WHERE parent_id = ?1 ORDER BY position, name",
        )
        .map_err(sql)?
        .query_map([id], |r| named(r, 0))
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    // The discipline itself and its sub-disciplines.
    let mut scope: Vec<String> = vec![discipline.id.clone()];
    scope.extend(children.iter().map(|c| c.id.clone()));
    let marks = vec!["?"; scope.len()].join(",");
    let params = rusqlite::params_from_iter(&scope);

    let resources: Vec<ResourceSummary> = conn
        .prepare(&format!(
            "SELECT {RESOURCE_COLUMNS}, max(rd.best_bet) FROM resources r
             JOIN resource_disciplines rd ON rd.resource_id = r.id
             WHERE rd.discipline_id IN ({marks}) AND r.retired_at IS NULL
             GROUP BY r.id ORDER BY max(rd.best_bet) DESC, r.name COLLATE NOCASE"
        ))
        .map_err(sql)?
        .query_map(params.clone(), |r| resource(r, r.get::<_, i64>(11)? == 1))
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    let records_count: i64 = conn
        .query_row(
            &format!(
                "SELECT count(DISTINCT record_id) FROM record_disciplines WHERE discipline_id IN ({marks})"
            ),
            params.clone(),
            |r| r.get(0),
        )
        .map_err(sql)?;
    let newest = records(store, &scope, "r.year IS NULL, r.year DESC")?;
    let most_held = records(store, &scope, "copies DESC")?;
    let documents: Vec<DocumentSummary> = conn
        .prepare(&format!(
            "SELECT sha256, title, pages FROM documents WHERE discipline_id IN ({marks})
             ORDER BY title"
        ))
        .map_err(sql)?
        .query_map(params.clone(), |r| {
            Ok(DocumentSummary {
                sha256: r.get(0)?,
                title: r.get(1)?,
                pages: r.get::<_, i64>(2)?.unsigned_abs(),
            })
        })
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    // Subject librarians of the discipline, of its sub-disciplines, or of its parent.
    let mut with_parent = scope.clone();
    with_parent.extend(parent_id.clone());
    let marks_p = vec!["?"; with_parent.len()].join(",");
    let librarians: Vec<LibrarianSummary> = conn
        .prepare(&format!(
            "SELECT DISTINCT l.id, l.name, b.id, b.name, b.name_zh, l.subjects, l.languages
             FROM librarians l JOIN librarian_disciplines ld ON ld.librarian_id = l.id
             JOIN libraries b ON b.id = l.library_id
             WHERE ld.discipline_id IN ({marks_p}) AND l.left_at IS NULL ORDER BY l.name"
        ))
        .map_err(sql)?
        .query_map(rusqlite::params_from_iter(&with_parent), |r| {
            Ok(LibrarianSummary {
                id: r.get(0)?,
                name: r.get(1)?,
                library: named(r, 2)?,
                subjects: list(&r.get::<_, String>(5)?),
                languages: list(&r.get::<_, String>(6)?),
            })
        })
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    let catalogue_filter = match &parent_id {
        Some(_) => format!("subdiscipline/{id}"),
        None => format!("discipline/{id}"),
    };
    Ok(Some(DisciplinePage {
        discipline,
        parent,
        children,
        resources,
        records: records_count.unsigned_abs(),
        newest,
        most_held,
        documents,
        librarians,
        catalogue_filter,
    }))
}

/// Whether every word of `query` is in `text` (the last may be the start of a word), both
/// normalised as the catalogue does (case, diacritics, CJK).
fn matches(text: &str, query: &[String]) -> bool {
    let words: Vec<&str> = text.split(' ').collect();
    query.iter().enumerate().all(|(i, q)| {
        if i + 1 == query.len() {
            words.iter().any(|w| w.starts_with(q.as_str()))
        } else {
            words.contains(&q.as_str())
        }
    })
}

/// The resources A–Z (by name, ignoring case and diacritics), filtered.
pub fn resources(
    store: &Store,
    filter: &ResourceFilter,
) -> Result<Vec<ResourceSummary>, StoreError> {
    let conn = store.conn();
    let sql = |e| store.err(e);
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources r
             WHERE (?1 OR r.retired_at IS NULL)
               AND (?2 IS NULL OR r.kind = ?2)
               AND (?3 IS NULL OR r.access = ?3)
               AND (?4 IS NULL OR r.id IN (
                   SELECT rd.resource_id FROM resource_disciplines rd
                   JOIN disciplines d ON d.id = rd.discipline_id
                   WHERE d.id = ?4 OR d.parent_id = ?4))"
        ))
        .map_err(sql)?;
    let query: Vec<String> = normalized(&filter.query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let mut out: Vec<(String, ResourceSummary)> = Vec::new();
    let rows = stmt
        .query_map(
            (
                filter.include_retired,
                &filter.kind,
                &filter.access,
                &filter.discipline,
            ),
            |r| resource(r, false),
        )
        .map_err(sql)?;
    for row in rows {
        let r = row.map_err(sql)?;
        if !query.is_empty() {
            let text = normalized(&format!(
                "{} {} {} {}",
                r.name,
                r.alt_names.join(" "),
                r.vendor.as_deref().unwrap_or(""),
                r.description
            ));
            if !matches(&text, &query) {
                continue;
            }
        }
        out.push((normalized(&r.name), r));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

/// A resource with its disciplines, for its detail view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceDetail {
    pub resource: ResourceSummary,
    /// Disciplines it is listed under, and whether it is a best bet there.
    pub disciplines: Vec<(Named, bool)>,
    /// Documents attached to it.
    pub documents: Vec<DocumentSummary>,
}

/// One resource; `None` when there is no such resource.
pub fn resource_detail(store: &Store, id: &str) -> Result<Option<ResourceDetail>, StoreError> {
    let conn = store.conn();
    let sql = |e| store.err(e);
    let Some(resource) = conn
        .query_row(
            &format!("SELECT {RESOURCE_COLUMNS} FROM resources r WHERE r.id = ?1"),
            [id],
            |r| resource(r, false),
        )
        .optional()
        .map_err(sql)?
    else {
        return Ok(None);
    };
    let disciplines = conn
        .prepare_cached(
            "SELECT d.id, d.name, d.name_zh, rd.best_bet FROM resource_disciplines rd
             JOIN disciplines d ON d.id = rd.discipline_id
             WHERE rd.resource_id = ?1 ORDER BY rd.best_bet DESC, d.name",
        )
        .map_err(sql)?
        .query_map([id], |r| Ok((named(r, 0)?, r.get::<_, i64>(3)? == 1)))
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    let documents = conn
        .prepare_cached(
            "SELECT d.sha256, d.title, d.pages FROM resource_documents rd
             JOIN documents d ON d.sha256 = rd.sha256 WHERE rd.resource_id = ?1 ORDER BY d.title",
        )
        .map_err(sql)?
        .query_map([id], |r| {
            Ok(DocumentSummary {
                sha256: r.get(0)?,
                title: r.get(1)?,
                pages: r.get::<_, i64>(2)?.unsigned_abs(),
            })
        })
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    Ok(Some(ResourceDetail {
        resource,
        disciplines,
        documents,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    fn seeded() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("commons.db")).unwrap();
        demo::seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
        (dir, store)
    }

    #[test]
    fn the_tree_counts_each_item_once_per_discipline_and_parent() {
        let (_dir, store) = seeded();
        let tree = tree(&store).unwrap();
        assert!(tree.len() >= 14, "{}", tree.len());
        let records: i64 = store
            .conn()
            .query_row(
                "SELECT count(DISTINCT record_id) FROM record_disciplines",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            records > 2500,
            "most demo records have a discipline: {records}"
        );
        for top in &tree {
            // A parent counts its own records and its children's, each record once.
            let expected: i64 = store
                .conn()
                .query_row(
                    "SELECT count(DISTINCT rd.record_id) FROM record_disciplines rd
                     JOIN disciplines d ON d.id = rd.discipline_id
                     WHERE d.id = ?1 OR d.parent_id = ?1",
                    [&top.discipline.id],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                top.records,
                expected.unsigned_abs(),
                "{}",
                top.discipline.id
            );
        }
        let history = tree.iter().find(|t| t.discipline.id == "history").unwrap();
        assert!(history.records > 0 && history.resources > 0);
        assert_eq!(history.children.len(), 3);
        assert_eq!(history.discipline.name_zh, "历史");
        // A resource listed under two sub-disciplines of one parent counts once for it.
        let asian = history
            .children
            .iter()
            .find(|c| c.discipline.id == "asian-history")
            .unwrap();
        let world = history
            .children
            .iter()
            .find(|c| c.discipline.id == "world-history")
            .unwrap();
        assert!(history.resources < asian.resources + world.resources + 1);
    }

    #[test]
    fn a_discipline_page_puts_best_bets_first() {
        let (_dir, store) = seeded();
        let page = page(&store, "statistics").unwrap().unwrap();
        assert_eq!(page.parent.as_ref().unwrap().id, "mathematics");
        assert!(
            page.resources
                .iter()
                .any(|r| r.name == "Stata" && r.best_bet)
        );
        let first_other = page.resources.iter().position(|r| !r.best_bet);
        if let Some(i) = first_other {
            assert!(page.resources[i..].iter().all(|r| !r.best_bet));
        }
        assert!(page.records > 0);
        assert!(!page.newest.is_empty());
        let years: Vec<i64> = page.newest.iter().filter_map(|r| r.year).collect();
        assert!(years.windows(2).all(|w| w[0] >= w[1]), "{years:?}");
        let copies: Vec<u64> = page.most_held.iter().map(|r| r.copies).collect();
        assert!(copies.windows(2).all(|w| w[0] >= w[1]), "{copies:?}");
        assert_eq!(page.catalogue_filter, "subdiscipline/statistics");
        // A top-level page gathers its sub-disciplines.
        let top = page_of(&store, "mathematics");
        assert!(top.records >= page.records);
        assert_eq!(top.children.len(), 2);
        assert!(page_of(&store, "data-science").documents.len() == 1);
        assert!(!page_of(&store, "world-history").librarians.is_empty());
        assert!(super::page(&store, "no-such-discipline").unwrap().is_none());
    }

    fn page_of(store: &Store, id: &str) -> DisciplinePage {
        page(store, id).unwrap().unwrap()
    }

    #[test]
    fn the_a_to_z_list_filters_and_searches() {
        let (_dir, store) = seeded();
        let all = resources(&store, &ResourceFilter::default()).unwrap();
        assert!(all.len() >= 20);
        let names: Vec<String> = all.iter().map(|r| normalized(&r.name)).collect();
        assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
        let find = |f: ResourceFilter| -> Vec<String> {
            resources(&store, &f)
                .unwrap()
                .into_iter()
                .map(|r| r.name)
                .collect()
        };
        let software = find(ResourceFilter {
            kind: Some("software".into()),
            ..Default::default()
        });
        assert!(software.contains(&"Stata".to_string()));
        assert!(!software.contains(&"PubMed".to_string()));
        let on_site = resources(
            &store,
            &ResourceFilter {
                access: Some("on_site".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(on_site.iter().all(|r| r.access == "on_site"));
        // A top-level discipline includes what is listed under its sub-disciplines.
        let law = find(ResourceFilter {
            discipline: Some("law".into()),
            ..Default::default()
        });
        assert!(law.contains(&"Westlaw".to_string()), "{law:?}");
        // Names, alternate names (also Chinese), vendors and descriptions are searched; the
        // last word is a prefix; case and diacritics do not matter.
        for (q, expected) in [
            ("pubmed", "PubMed"),
            ("MEDLINE", "PubMed"),
            ("知网", "CNKI China Academic Journals"),
            ("statacorp", "Stata"),
            ("preprints phys", "arXiv"),
            ("arx", "arXiv"),
        ] {
            let found = find(ResourceFilter {
                query: q.into(),
                ..Default::default()
            });
            assert!(found.contains(&expected.to_string()), "{q}: {found:?}");
        }
        assert!(
            find(ResourceFilter {
                query: "zzzz nothing".into(),
                ..Default::default()
            })
            .is_empty()
        );
        // Whatever is typed is answered.
        for q in [
            "\"",
            "'; DROP TABLE resources; --",
            "%",
            "_",
            "🙂",
            &"x".repeat(5000),
        ] {
            find(ResourceFilter {
                query: q.into(),
                ..Default::default()
            });
        }
    }

    #[test]
    fn a_resource_detail_names_its_disciplines() {
        let (_dir, store) = seeded();
        let d = resource_detail(&store, "res-stata").unwrap().unwrap();
        assert_eq!(d.resource.name, "Stata");
        assert!(
            d.disciplines
                .iter()
                .any(|(n, best)| n.id == "statistics" && *best)
        );
        assert!(resource_detail(&store, "nope").unwrap().is_none());
    }
}
