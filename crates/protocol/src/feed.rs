//! The change feed: `GET /api/v1/changes?since=CURSOR&limit=N` answers a [`Page`] of
//! changes in commit order and the cursor to ask with next.
//!
//! On the wire a change is an envelope `{kind, key, op, body}`; its meaning is one
//! [`ChangeBody`]. The envelope lets a workstation skip (and name) one change it cannot
//! read, a kind from a newer hub say, and apply the rest of the page; `Change::decode` is
//! the one place that turns an envelope into a body, with the checks that bind the body to
//! its key.

use commons_catalogue::union::{UnionLibrary, UnionRecord};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::bookings::{BusyTime, SharedLibrarian, SharedSchedule, TypeForm};
use crate::hex::Sha256;
use crate::resources::SharedResource;

/// A position in the feed: after the change with this id. On the wire it is a string of
/// digits; the empty string is the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cursor(pub i64);

impl Cursor {
    /// Reads a cursor the feed returned; `None` for anything else.
    pub fn parse(s: &str) -> Option<Cursor> {
        if s.is_empty() {
            return Some(Cursor::default());
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok().map(Cursor)
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The query of `GET /api/v1/changes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesQuery {
    #[serde(default)]
    pub since: String,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One change as the wire carries it. Its body stays the JSON text it is on the wire and
/// in the hub's database: the hub passes on what PostgreSQL holds without building a tree of
/// it, and a workstation reads it once, into its type, in [`Change::decode`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    pub kind: String,
    pub key: String,
    pub op: String,
    #[serde(default)]
    pub body: Option<Box<RawValue>>,
}

/// Two changes are equal when their envelopes are and their bodies are the same text.
impl PartialEq for Change {
    fn eq(&self, other: &Change) -> bool {
        (&self.kind, &self.key, &self.op) == (&other.kind, &other.key, &other.op)
            && self.body.as_deref().map(RawValue::get) == other.body.as_deref().map(RawValue::get)
    }
}

/// A page of the feed and the cursor to ask with next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub changes: Vec<Change>,
    pub next: String,
}

/// A document the hub shares, as the feed announces it (its file is fetched from
/// `GET /api/v1/documents/{sha256}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announced {
    pub sha256: Sha256,
    pub title: String,
    pub file_name: String,
    pub bytes: i64,
    #[serde(default)]
    pub discipline_id: Option<String>,
    #[serde(default)]
    pub record_id: Option<String>,
}

/// Whether `key` is a busy time's key: `busy:` and the hub's number.
pub fn is_busy_key(key: &str) -> bool {
    key.strip_prefix("busy:")
        .is_some_and(|n| !n.is_empty() && n.len() <= 19 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// What a change means: one variant per kind and operation.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeBody {
    /// A work of the union catalogue, new or changed (keyed by its `hub:` id).
    Record(Box<UnionRecord>),
    /// A work that no longer exists.
    RecordDeleted,
    /// A member library (keyed by its id).
    Library(UnionLibrary),
    /// A shared document (keyed by its SHA-256).
    Document(Announced),
    /// A resource of the consortium's list, added, changed or restored.
    Resource(Box<SharedResource>),
    /// A resource taken off the list (retired on workstations, never deleted).
    ResourceRetired,
    /// A librarian's hours and time off (keyed by her librarian id).
    Schedule(SharedSchedule),
    /// A consultation type (keyed by its id).
    ConsultationType(TypeForm),
    /// A booking somewhere in the consortium, or its cancellation (keyed `busy:N`).
    Booking(BusyTime),
    /// The consortium's name, for every workstation's home screen (keyed `consortium`).
    Consortium(ConsortiumName),
    /// A librarian who takes consultations (keyed by her id).
    Librarian(SharedLibrarian),
    /// A librarian who has left: no new bookings (keyed by her id).
    LibrarianLeft,
}

/// The consortium's name in English and Simplified Chinese (`commons-hub consortium set`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsortiumName {
    pub name: String,
    pub name_zh: String,
}

/// The longest consortium name, in characters.
pub const CONSORTIUM_NAME_MAX: usize = 200;

impl ConsortiumName {
    /// What makes the names unusable, if anything.
    pub fn problem(&self) -> Option<String> {
        for (which, name) in [("name", &self.name), ("name_zh", &self.name_zh)] {
            if !crate::limits::is_short_text(name, CONSORTIUM_NAME_MAX) {
                return Some(format!(
                    "the consortium's {which} is 1 to {CONSORTIUM_NAME_MAX} characters"
                ));
            }
        }
        None
    }
}

/// The `(kind, op)` of every change kind, in the order of [`ChangeBody`]'s variants.
pub const KINDS: [(&str, &str); 12] = [
    ("record", "upsert"),
    ("record", "delete"),
    ("library", "upsert"),
    ("document", "upsert"),
    ("resource", "upsert"),
    ("resource", "delete"),
    ("schedule", "upsert"),
    ("consultation_type", "upsert"),
    ("booking", "upsert"),
    ("consortium", "upsert"),
    ("librarian", "upsert"),
    ("librarian", "delete"),
];

impl ChangeBody {
    /// The envelope's `kind` and `op`.
    pub fn kind_op(&self) -> (&'static str, &'static str) {
        let i = match self {
            ChangeBody::Record(_) => 0,
            ChangeBody::RecordDeleted => 1,
            ChangeBody::Library(_) => 2,
            ChangeBody::Document(_) => 3,
            ChangeBody::Resource(_) => 4,
            ChangeBody::ResourceRetired => 5,
            ChangeBody::Schedule(_) => 6,
            ChangeBody::ConsultationType(_) => 7,
            ChangeBody::Booking(_) => 8,
            ChangeBody::Consortium(_) => 9,
            ChangeBody::Librarian(_) => 10,
            ChangeBody::LibrarianLeft => 11,
        };
        KINDS[i]
    }

    /// The envelope's `body`.
    pub fn to_json(&self) -> Option<Box<RawValue>> {
        // Serialising these types cannot fail: no maps with non-string keys, no custom
        // serialisers that refuse.
        use serde_json::value::to_raw_value as v;
        match self {
            ChangeBody::Record(r) => v(r).ok(),
            ChangeBody::Library(l) => v(l).ok(),
            ChangeBody::Document(d) => v(d).ok(),
            ChangeBody::Resource(r) => v(r).ok(),
            ChangeBody::Schedule(s) => v(s).ok(),
            ChangeBody::ConsultationType(t) => v(t).ok(),
            ChangeBody::Booking(b) => v(b).ok(),
            ChangeBody::Consortium(c) => v(c).ok(),
            ChangeBody::Librarian(l) => v(l).ok(),
            ChangeBody::RecordDeleted | ChangeBody::ResourceRetired | ChangeBody::LibrarianLeft => {
                None
            }
        }
    }
}

impl Change {
    /// The envelope of `body` under `key`.
    pub fn new(key: impl Into<String>, body: &ChangeBody) -> Change {
        let (kind, op) = body.kind_op();
        Change {
            kind: kind.to_owned(),
            key: key.into(),
            op: op.to_owned(),
            body: body.to_json(),
        }
    }

    /// What the change means, or why it cannot be read: a kind this end does not know, a
    /// body that is not of its kind, or a body that names another key than the envelope.
    pub fn decode(&self) -> Result<ChangeBody, String> {
        fn body<T: serde::de::DeserializeOwned>(c: &Change) -> Result<T, String> {
            let text = c.body.as_deref().ok_or("an upsert without a body")?;
            serde_json::from_str(text.get()).map_err(|e| e.to_string())
        }
        let not_its_key = |what: &str, id: &str| format!("the {what}'s id `{id}` is not its key");
        let decoded = match (self.kind.as_str(), self.op.as_str()) {
            ("record", "upsert") => {
                let record: UnionRecord = body(self)?;
                if record.id != self.key || !record.id.starts_with("hub:") {
                    return Err(not_its_key("record", &record.id));
                }
                if record.description.title.trim().is_empty() {
                    return Err("a record without a title".into());
                }
                ChangeBody::Record(Box::new(record))
            }
            ("record", "delete") => ChangeBody::RecordDeleted,
            ("library", "upsert") => {
                let library: UnionLibrary = body(self)?;
                if library.id != self.key {
                    return Err(not_its_key("library", &library.id));
                }
                ChangeBody::Library(library)
            }
            ("document", "upsert") => {
                let d: Announced = body(self)?;
                if d.sha256.as_str() != self.key {
                    return Err(format!("`{}` is not the document's SHA-256", self.key));
                }
                ChangeBody::Document(d)
            }
            ("resource", "upsert") => {
                let r: SharedResource = body(self)?;
                if let Some(problem) = r.problem() {
                    return Err(problem);
                }
                if r.id != self.key {
                    return Err(not_its_key("resource", &r.id));
                }
                ChangeBody::Resource(Box::new(r))
            }
            ("resource", "delete") => ChangeBody::ResourceRetired,
            ("schedule", "upsert") => {
                let s: SharedSchedule = body(self)?;
                if let Some(problem) = s.problem() {
                    return Err(problem);
                }
                ChangeBody::Schedule(s)
            }
            ("consultation_type", "upsert") => {
                let form: TypeForm = body(self)?;
                if form.id.as_deref() != Some(self.key.as_str()) {
                    return Err("the consultation type's id is not its key".into());
                }
                if let Some(p) = crate::bookings::type_problems(&form).first() {
                    return Err(format!("{}: {}", p.field, p.code));
                }
                ChangeBody::ConsultationType(form)
            }
            ("booking", "upsert") => {
                if !is_busy_key(&self.key) {
                    return Err(format!("`{}` is not the key of a busy time", self.key));
                }
                ChangeBody::Booking(body(self)?)
            }
            ("consortium", "upsert") => {
                let c: ConsortiumName = body(self)?;
                if self.key != "consortium" {
                    return Err(format!("`{}` is not the consortium's key", self.key));
                }
                if let Some(problem) = c.problem() {
                    return Err(problem);
                }
                ChangeBody::Consortium(c)
            }
            ("librarian", "upsert") => {
                let l: SharedLibrarian = body(self)?;
                if l.id != self.key {
                    return Err(not_its_key("librarian", &l.id));
                }
                if let Some(problem) = l.problem() {
                    return Err(problem);
                }
                ChangeBody::Librarian(l)
            }
            ("librarian", "delete") => ChangeBody::LibrarianLeft,
            (kind, op) => {
                return Err(format!(
                    "this workstation does not know `{kind}` changes with `{op}` (a newer hub?)"
                ));
            }
        };
        Ok(decoded)
    }
}
