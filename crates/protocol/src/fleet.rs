//! The fleet view: after each sync a workstation tells the hub how it stands (its version,
//! its place in the feed, its last health checks), so IT sees which workstations are behind
//! or failing. Nothing in it is about a patron.

use serde::{Deserialize, Serialize};

/// The most checks one report carries.
pub const CHECKS_MAX: usize = 32;
/// A check's name, in characters.
pub const CHECK_NAME_MAX: usize = 40;
/// A check's detail, in characters (longer ones are cut by the workstation).
pub const CHECK_DETAIL_MAX: usize = 300;
/// A version, in characters.
pub const VERSION_MAX: usize = 40;

/// One health check (`commons doctor`'s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub name: String,
    pub ok: bool,
    #[serde(default)]
    pub detail: String,
}

/// What a workstation says of itself (`POST /api/v1/workstation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkstationReport {
    /// Commons' version on the workstation.
    pub version: String,
    /// The feed cursor it has applied.
    pub cursor: String,
    /// When its checks ran, if they have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<jiff::Timestamp>,
    #[serde(default)]
    pub checks: Vec<HealthCheck>,
}

/// The hub's answer to a report: what the workstation's token says of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkstationAck {
    /// The member library the token names (where requests placed here are picked up by
    /// default), if it names one.
    #[serde(default)]
    pub library: Option<String>,
}

impl WorkstationReport {
    /// Why the hub refuses it, if it does.
    pub fn problem(&self) -> Option<String> {
        if self.version.trim().is_empty() || self.version.chars().count() > VERSION_MAX {
            return Some(format!("a version is 1 to {VERSION_MAX} characters"));
        }
        if crate::feed::Cursor::parse(&self.cursor).is_none() {
            return Some("the cursor is not one the feed returned".into());
        }
        if self.checks.len() > CHECKS_MAX {
            return Some(format!("a report carries at most {CHECKS_MAX} checks"));
        }
        for c in &self.checks {
            if !crate::limits::is_short_text(&c.name, CHECK_NAME_MAX)
                || c.detail.chars().count() > CHECK_DETAIL_MAX
            {
                return Some(format!(
                    "a check's name is 1 to {CHECK_NAME_MAX} characters, its detail at most {CHECK_DETAIL_MAX}"
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_bounded() {
        let ok = WorkstationReport {
            version: "0.1.0".into(),
            cursor: "42".into(),
            checked_at: None,
            checks: vec![HealthCheck {
                name: "disk".into(),
                ok: false,
                detail: "120 MiB free".into(),
            }],
        };
        assert_eq!(ok.problem(), None);
        let mut bad = ok.clone();
        bad.cursor = "x".into();
        assert!(bad.problem().is_some());
        let mut bad = ok.clone();
        bad.checks[0].detail = "x".repeat(CHECK_DETAIL_MAX + 1);
        assert!(bad.problem().is_some());
        let mut bad = ok;
        bad.checks = vec![bad.checks[0].clone(); CHECKS_MAX + 1];
        assert!(bad.problem().is_some());
    }
}
