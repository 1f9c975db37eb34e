//! The consortium's resource list on the wire: a resource as the hub keeps it
//! (`PUT /api/v1/resources/{id}`, the feed's `resource` change, the demo data's
//! `resources.json`) and the lines of its history (`GET /api/v1/resources/{id}/history`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The kinds of resource.
pub const KINDS: &[&str] = &[
    "database",
    "journal",
    "ebooks",
    "guide",
    "software",
    "open_access",
];
/// Who can use a resource.
pub const ACCESSES: &[&str] = &["open", "campus", "on_site"];
/// The longest resource name, in characters.
pub const NAME_MAX: usize = 200;

/// A resource of the consortium's list, which workstations take as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedResource {
    pub id: String,
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub alt_names: Vec<String>,
    pub description: String,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    pub access: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub disciplines: Vec<SharedResourceDiscipline>,
    /// What the consortium pays for it a year (whole units of its currency), for the cost
    /// per use in usage statistics; set by the office's resource list, kept by librarians'
    /// edits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yearly_cost: Option<u64>,
}

/// A discipline a resource belongs to, and whether it is a best bet there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedResourceDiscipline {
    pub id: String,
    #[serde(default)]
    pub best_bet: bool,
}

/// Why a web address is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebUrlError {
    NotAUrl(String),
    Scheme { url: String, scheme: String },
}

/// Checks that `url` is an http or https address with a host.
pub fn check_web_url(url: &str) -> Result<url::Url, WebUrlError> {
    let trimmed = url.trim();
    let parsed = url::Url::parse(trimmed).map_err(|_| WebUrlError::NotAUrl(trimmed.to_owned()))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(parsed),
        "http" | "https" => Err(WebUrlError::NotAUrl(trimmed.to_owned())),
        scheme => Err(WebUrlError::Scheme {
            url: trimmed.chars().take(200).collect(),
            scheme: scheme.to_owned(),
        }),
    }
}

impl SharedResource {
    /// Its fields as a resource's history compares them.
    pub fn fields(&self) -> BTreeMap<&'static str, String> {
        let mut disciplines: Vec<&SharedResourceDiscipline> = self.disciplines.iter().collect();
        disciplines.sort_by(|a, b| a.id.cmp(&b.id));
        let or_empty = |v: &Option<String>| v.clone().unwrap_or_default();
        BTreeMap::from([
            ("kind", self.kind.clone()),
            ("name", self.name.clone()),
            (
                "alt_names",
                serde_json::to_string(&self.alt_names).unwrap_or_else(|_| "[]".into()),
            ),
            ("description", self.description.clone()),
            ("vendor", or_empty(&self.vendor)),
            ("url", or_empty(&self.url)),
            ("access", self.access.clone()),
            ("note", or_empty(&self.note)),
            (
                "yearly_cost",
                self.yearly_cost.map(|c| c.to_string()).unwrap_or_default(),
            ),
            (
                "disciplines",
                disciplines
                    .iter()
                    .map(|d| format!("{}{}", d.id, if d.best_bet { " (best bet)" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ])
    }

    /// What makes a resource unusable, if anything.
    pub fn problem(&self) -> Option<String> {
        if !crate::limits::is_short_text(&self.id, crate::limits::ID_MAX) {
            return Some("an id is 1 to 100 characters".into());
        }
        if !crate::limits::is_short_text(&self.name, NAME_MAX) {
            return Some(format!("{}: a name is 1 to 200 characters", self.id));
        }
        if !KINDS.contains(&self.kind.as_str()) {
            return Some(format!(
                "{}: `{}` is not a kind of resource",
                self.id, self.kind
            ));
        }
        if !ACCESSES.contains(&self.access.as_str()) {
            return Some(format!(
                "{}: `{}` is not an access level",
                self.id, self.access
            ));
        }
        if let Some(u) = &self.url
            && check_web_url(u).is_err()
        {
            return Some(format!(
                "{}: `{u}` is not an http or https address",
                self.id
            ));
        }
        None
    }
}

/// What was done to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Save,
    Retire,
    Restore,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Save => "save",
            AuditAction::Retire => "retire",
            AuditAction::Restore => "restore",
        }
    }
}

/// One line of the hub's history of a resource (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedAuditLine {
    pub at: String,
    pub username: String,
    pub action: AuditAction,
    /// The resource as saved (for `save`).
    pub body: Option<SharedResource>,
}

/// The query of `PUT /api/v1/resources/{id}` and `PUT /api/v1/types/{id}`: `new=true`
/// refuses to replace what already has the id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveQuery {
    #[serde(default)]
    pub new: bool,
}
