//! The hub's addresses, relative to its base URL. Paths with a parameter are functions, so
//! an id is always one escaped path segment.

pub const HEALTHZ: &str = "healthz";
pub const CHANGES: &str = "api/v1/changes";
pub const BOOKINGS: &str = "api/v1/bookings";
pub const SESSIONS: &str = "api/v1/sessions";
pub const DESK: &str = "api/v1/desk";
pub const DESK_CALENDAR: &str = "api/v1/desk/calendar";
pub const DESK_SCHEDULE: &str = "api/v1/desk/schedule";
/// `POST`: how a workstation stands (version, cursor, health checks), after each sync; the
/// answer names the member library its token names (`WorkstationAck`).
pub const WORKSTATION: &str = "api/v1/workstation";
/// `POST`: a workstation's usage report; `GET`: a signed-in librarian's summary.
pub const USAGE: &str = "api/v1/usage";
/// `POST`: a reader's request for a loan or a copy from another member library; `GET`: the
/// signed-in librarian's library's requests (supplied and picked up there).
pub const REQUESTS: &str = "api/v1/requests";
/// `GET` (a librarian's session, `?days=`): lending between member libraries, per pair and
/// discipline: the librarian's library's, or every library's for the office.
pub const REQUEST_STATISTICS: &str = "api/v1/requests/statistics";

/// One path segment, percent-escaped as `url` escapes path segments.
fn segment(s: &str) -> String {
    let mut u = url::Url::parse("http://x/").expect("a constant URL parses");
    if let Ok(mut segments) = u.path_segments_mut() {
        segments.push(s);
    }
    u.path().trim_start_matches('/').to_owned()
}

/// `api/v1/bookings/{code}/cancel`.
pub fn cancel_booking(code: &crate::BookingCode) -> String {
    format!("{BOOKINGS}/{}/cancel", code.compact())
}

/// `api/v1/desk/{code}`.
pub fn desk_booking(code: &crate::BookingCode) -> String {
    format!("{DESK}/{}", code.compact())
}

/// `api/v1/requests/{code}/lookup`: a reader's request, found by its code and email.
pub fn request_lookup(code: &crate::BookingCode) -> String {
    format!("{REQUESTS}/{}/lookup", code.compact())
}

/// `api/v1/requests/{code}/steps`: a librarian's step on a request.
pub fn request_steps(code: &crate::BookingCode) -> String {
    format!("{REQUESTS}/{}/steps", code.compact())
}

/// `POST` (a supplier's librarian, the PDF as the body): the scanned copy that completes a
/// copy request.
pub fn request_delivery(code: &crate::BookingCode) -> String {
    format!("{REQUESTS}/{}/delivery", code.compact())
}

/// `POST` (the reader's email): the delivered copy, at a workstation of the pickup library.
pub fn request_delivery_open(code: &crate::BookingCode) -> String {
    format!("{REQUESTS}/{}/delivery/open", code.compact())
}

/// `api/v1/documents/{sha256}`.
pub fn document(sha: &crate::Sha256) -> String {
    format!("api/v1/documents/{sha}")
}

/// `api/v1/resources/{id}`.
pub fn resource(id: &str) -> String {
    format!("api/v1/resources/{}", segment(id))
}

/// `api/v1/resources/{id}/retire`, `…/restore` or `…/history`.
pub fn resource_action(id: &str, action: ResourceAction) -> String {
    format!("{}/{}", resource(id), action.as_str())
}

/// `api/v1/types/{id}`.
pub fn consultation_type(id: &str) -> String {
    format!("api/v1/types/{}", segment(id))
}

/// What can be done to a resource at its own address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceAction {
    Retire,
    Restore,
    History,
}

impl ResourceAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceAction::Retire => "retire",
            ResourceAction::Restore => "restore",
            ResourceAction::History => "history",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_segment() {
        assert_eq!(resource("res-1"), "api/v1/resources/res-1");
        assert_eq!(resource("a/b c?"), "api/v1/resources/a%2Fb%20c%3F");
        assert_eq!(
            resource_action("x", ResourceAction::History),
            "api/v1/resources/x/history"
        );
        assert_eq!(
            cancel_booking(&crate::BookingCode::parse("abcd-2345").unwrap()),
            "api/v1/bookings/ABCD2345/cancel"
        );
    }
}
