//! The consortium's roster: the member libraries' time zones, the librarians who take
//! consultations, their weekly hours, and the consultation types. Imported from one JSON
//! file (`commons-hub roster import`, in the shape of the demo data), sent to every
//! workstation in the feed, and what the hub checks each booking against.
//!
//! A librarian left out of a later import has left: her past bookings stay, no new one is
//! taken, and workstations stop offering her. Her time off, set at her desk, is kept when
//! the import gives her hours again.

use std::collections::HashSet;

use commons_protocol::bookings::{SharedLibrarian, SharedSchedule, TypeForm, hours_problems};
use commons_protocol::feed::ChangeBody;
use serde::Deserialize;

use crate::db::{Db, HubError};
use crate::feed::emit;

/// A roster file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// Libraries to add or update (those named by a librarian must exist, here or before).
    #[serde(default)]
    pub libraries: Vec<RosterLibrary>,
    /// Every librarian who takes consultations; those left out have left.
    #[serde(default)]
    pub librarians: Vec<RosterLibrarian>,
    /// Consultation types to add or update.
    #[serde(default)]
    pub consultation_types: Vec<TypeForm>,
}

/// A member library's names, city and time zone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterLibrary {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_zh: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub city_zh: Option<String>,
    /// An IANA time zone: the one the library's librarians keep their hours in.
    pub time_zone: String,
    /// Accepted as the demo data writes them; the hub keeps members flat.
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
}

/// A librarian, and her weekly hours when the file gives them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterLibrarian {
    pub id: String,
    pub name: String,
    pub library: String,
    /// Accepted as the demo data writes it; never sent to workstations.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub subjects: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub disciplines: Vec<String>,
    #[serde(default)]
    pub hours: Option<Vec<RosterHours>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterHours {
    pub weekday: i64,
    pub starts: String,
    pub ends: String,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub libraries: usize,
    pub librarians: usize,
    pub left: usize,
    pub schedules: usize,
    pub types: usize,
}

/// Whether `id` can name a library, librarian or type: 1 to 100 letters, digits, `-`, `_`.
pub fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether `zone` is a time zone this hub knows (from the system's tz database).
pub fn is_time_zone(zone: &str) -> bool {
    jiff::tz::TimeZone::get(zone).is_ok()
}

impl Roster {
    /// Every problem of the file, each naming its entry; nothing is imported while there is
    /// one.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for l in &self.libraries {
            if !is_id(&l.id) {
                out.push(format!(
                    "library `{}`: not an id (letters, digits, - and _)",
                    l.id
                ));
            }
            if !seen.insert(("library", l.id.as_str())) {
                out.push(format!("library `{}` is listed twice", l.id));
            }
            if l.name.trim().is_empty() {
                out.push(format!("library `{}`: no name", l.id));
            }
            if !is_time_zone(&l.time_zone) {
                out.push(format!(
                    "library `{}`: `{}` is not a time zone (an IANA name such as Europe/Berlin)",
                    l.id, l.time_zone
                ));
            }
        }
        for l in &self.librarians {
            if !is_id(&l.id) {
                out.push(format!(
                    "librarian `{}`: not an id (letters, digits, - and _)",
                    l.id
                ));
            }
            if !seen.insert(("librarian", l.id.as_str())) {
                out.push(format!("librarian `{}` is listed twice", l.id));
            }
            if let Some(p) = l.shared().problem() {
                out.push(format!("librarian `{}`: {p}", l.id));
            }
            if let Some(hours) = &l.hours {
                let hours = hours_of(hours);
                if hours.len() > commons_protocol::bookings::SCHEDULE_HOURS_MAX {
                    out.push(format!("librarian `{}`: too many hours", l.id));
                }
                let problems = hours_problems(&hours);
                if !problems.is_empty() {
                    out.push(format!(
                        "librarian `{}`: hours {}",
                        l.id,
                        problems
                            .iter()
                            .filter_map(|p| p.other.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        for t in &self.consultation_types {
            let id = t.id.clone().unwrap_or_default();
            if !is_id(&id) {
                out.push(format!("consultation type `{id}`: not an id"));
            }
            if !seen.insert(("type", t.id.as_deref().unwrap_or_default())) {
                out.push(format!("consultation type `{id}` is listed twice"));
            }
            let problems = commons_protocol::bookings::type_problems(t);
            if !problems.is_empty() {
                out.push(format!(
                    "consultation type `{id}`: {}",
                    commons_protocol::error::describe(&problems)
                ));
            }
        }
        out
    }
}

impl RosterLibrarian {
    fn shared(&self) -> SharedLibrarian {
        SharedLibrarian {
            id: self.id.clone(),
            name: self.name.trim().to_owned(),
            library_id: self.library.clone(),
            subjects: self.subjects.clone(),
            languages: self.languages.clone(),
            disciplines: self.disciplines.clone(),
        }
    }
}

fn hours_of(hours: &[RosterHours]) -> Vec<(i64, String, String)> {
    hours
        .iter()
        .map(|h| (h.weekday, h.starts.clone(), h.ends.clone()))
        .collect()
}

fn json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, HubError> {
    serde_json::to_value(v).map_err(|e| HubError::Internal(e.to_string()))
}

/// Imports a roster in one transaction, each change announced in the feed; a file with a
/// problem imports nothing.
pub async fn import(db: &Db, roster: &Roster) -> Result<Imported, HubError> {
    let problems = roster.problems();
    if !problems.is_empty() {
        return Err(HubError::Invalid(problems.join("; ")));
    }
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    let mut done = Imported::default();
    for l in &roster.libraries {
        let row = tx
            .query_one(
                "INSERT INTO libraries(id, name, name_zh, city, city_zh, time_zone)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_zh = excluded.name_zh,
                     city = excluded.city, city_zh = excluded.city_zh,
                     time_zone = excluded.time_zone, updated_at = now()
                 RETURNING id",
                &[
                    &l.id,
                    &l.name.trim(),
                    &l.name_zh,
                    &l.city,
                    &l.city_zh,
                    &l.time_zone,
                ],
            )
            .await?;
        let id: String = row.get(0);
        emit(&tx, &id, &ChangeBody::Library(library(&tx, &id).await?)).await?;
        done.libraries += 1;
    }
    let mut named = Vec::new();
    for l in &roster.librarians {
        let zone: Option<Option<String>> = tx
            .query_opt(
                "SELECT time_zone FROM libraries WHERE id = $1",
                &[&l.library],
            )
            .await?
            .map(|r| r.get(0));
        match zone {
            None => {
                return Err(HubError::Invalid(format!(
                    "librarian `{}`: no member library `{}` (add it to the file's libraries)",
                    l.id, l.library
                )));
            }
            Some(None) => {
                return Err(HubError::Invalid(format!(
                    "librarian `{}`: library `{}` has no time zone (give it in the file's libraries)",
                    l.id, l.library
                )));
            }
            Some(Some(_)) => {}
        }
        let shared = l.shared();
        let body = json(&shared)?;
        let changed = tx
            .execute(
                "INSERT INTO librarians(id, library_id, body) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET library_id = excluded.library_id,
                     body = excluded.body, left_at = NULL, updated_at = now()
                 WHERE librarians.body <> excluded.body OR librarians.left_at IS NOT NULL",
                &[&l.id, &l.library, &body],
            )
            .await?;
        if changed > 0 {
            emit(&tx, &l.id, &ChangeBody::Librarian(shared)).await?;
            done.librarians += 1;
        }
        if let Some(hours) = &l.hours {
            let mut schedule: SharedSchedule = tx
                .query_opt(
                    "SELECT body FROM schedules WHERE librarian_id = $1",
                    &[&l.id],
                )
                .await?
                .and_then(|r| serde_json::from_value(r.get(0)).ok())
                .unwrap_or_default();
            let hours = hours_of(hours);
            if schedule.hours != hours {
                schedule.hours = hours;
                tx.execute(
                    "INSERT INTO schedules(librarian_id, body, updated_by) VALUES ($1, $2, 'roster import')
                     ON CONFLICT (librarian_id) DO UPDATE SET body = excluded.body,
                         updated_by = excluded.updated_by, updated_at = now()",
                    &[&l.id, &json(&schedule)?],
                )
                .await?;
                emit(&tx, &l.id, &ChangeBody::Schedule(schedule)).await?;
                done.schedules += 1;
            }
        }
        named.push(l.id.clone());
    }
    let left = tx
        .query(
            "UPDATE librarians SET left_at = now()
             WHERE left_at IS NULL AND NOT (id = ANY($1)) RETURNING id",
            &[&named],
        )
        .await?;
    for r in &left {
        emit(&tx, r.get(0), &ChangeBody::LibrarianLeft).await?;
        done.left += 1;
    }
    for t in &roster.consultation_types {
        let id = t.id.clone().unwrap_or_default();
        let changed = tx
            .execute(
                "INSERT INTO consultation_types(id, body, updated_by) VALUES ($1, $2, 'roster import')
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body,
                     updated_by = excluded.updated_by, updated_at = now()
                 WHERE consultation_types.body <> excluded.body",
                &[&id, &json(t)?],
            )
            .await?;
        if changed > 0 {
            emit(&tx, &id, &ChangeBody::ConsultationType(t.clone())).await?;
            done.types += 1;
        }
    }
    tx.commit().await?;
    Ok(done)
}

/// A member library as the feed carries it, from the database.
pub(crate) async fn library(
    tx: &tokio_postgres::Transaction<'_>,
    id: &str,
) -> Result<commons_catalogue::union::UnionLibrary, HubError> {
    let r = tx
        .query_one(
            "SELECT name, name_zh, city, city_zh, time_zone FROM libraries WHERE id = $1",
            &[&id],
        )
        .await?;
    Ok(commons_catalogue::union::UnionLibrary {
        id: id.to_owned(),
        name: r.get(0),
        name_zh: r.get(1),
        city: r.get(2),
        city_zh: r.get(3),
        time_zone: r.get(4),
    })
}

/// What the hub checks a booking against: the librarian (still here), her library's time
/// zone, her schedule, and the type.
#[derive(Debug, Clone)]
pub struct BookingRules {
    pub time_zone: Option<String>,
    pub schedule: SharedSchedule,
    pub consultation_type: Option<TypeForm>,
}

/// The rules for a booking of `librarian` with `type_id`, or `None` when the hub has no such
/// librarian (or she has left).
pub async fn booking_rules(
    client: &deadpool_postgres::Object,
    librarian: &str,
    type_id: &str,
) -> Result<Option<BookingRules>, HubError> {
    let Some(row) = client
        .query_opt(
            "SELECT lib.time_zone, s.body, t.body
             FROM librarians l
             JOIN libraries lib ON lib.id = l.library_id
             LEFT JOIN schedules s ON s.librarian_id = l.id
             LEFT JOIN consultation_types t ON t.id = $2
             WHERE l.id = $1 AND l.left_at IS NULL",
            &[&librarian, &type_id],
        )
        .await?
    else {
        return Ok(None);
    };
    let unreadable = |what: &str| HubError::Internal(format!("a stored {what} cannot be read"));
    let schedule = match row.get::<_, Option<serde_json::Value>>(1) {
        Some(v) => serde_json::from_value(v).map_err(|_| unreadable("schedule"))?,
        None => SharedSchedule::default(),
    };
    let consultation_type = match row.get::<_, Option<serde_json::Value>>(2) {
        Some(v) => Some(serde_json::from_value(v).map_err(|_| unreadable("consultation type"))?),
        None => None,
    };
    Ok(Some(BookingRules {
        time_zone: row.get(0),
        schedule,
        consultation_type,
    }))
}
