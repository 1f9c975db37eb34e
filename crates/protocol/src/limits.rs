//! The limits both ends apply to what crosses the wire, and the one rule for an email
//! address. A workstation checks a form with these before it sends it; the hub checks the
//! same request again with the same numbers, whatever the workstation did.

/// A student's name, in characters.
pub const STUDENT_NAME_MAX: usize = 100;
/// A consultation's topic, in characters.
pub const TOPIC_MAX: usize = 200;
/// A student's description of what they need, in characters.
pub const DESCRIPTION_MAX: usize = 2000;
/// A librarian's outcome notes, in characters.
pub const OUTCOME_MAX: usize = 2000;
/// An email address, in bytes (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// An id (librarian, type, resource, idempotency key), in characters.
pub const ID_MAX: usize = 100;
/// The READ scale (Reference Effort Assessment Data) of a completed consultation.
pub const READ_LEVELS: std::ops::RangeInclusive<i64> = 1..=6;
/// A reason for time off, in characters.
pub const REASON_MAX: usize = 200;

/// The most changes one page of the feed holds.
pub const FEED_PAGE_MAX: u32 = 5000;
/// The changes a workstation asks for in one page.
pub const FEED_PAGE: u32 = 500;
/// The most bytes a workstation reads of one page of the feed (a page of `FEED_PAGE_MAX`
/// union records is far below this).
pub const FEED_PAGE_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// The most bytes a workstation reads of any other answer of the hub.
pub const ANSWER_BYTES_MAX: u64 = 4 * 1024 * 1024;
/// The largest request body the hub accepts (a resource list import goes by the command
/// line, not the API).
pub const REQUEST_BYTES_MAX: usize = 256 * 1024;
/// The largest document the hub shares and a workstation downloads.
pub const DOCUMENT_BYTES_MAX: u64 = 512 * 1024 * 1024;

/// Whether `e` is an email address Commons accepts: one `@`, something before it, a
/// dotted domain after it, no spaces, controls or list separators, at most `EMAIL_MAX`.
pub fn is_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && e.len() <= EMAIL_MAX
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

/// Whether `s`, trimmed, is 1 to `max` characters.
pub fn is_short_text(s: &str, max: usize) -> bool {
    let s = s.trim();
    !s.is_empty() && s.chars().count() <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses() {
        for ok in [
            "a@b.org",
            "mei.chen@students.example.edu",
            "x+tag@sub.example.cn",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        for bad in [
            "",
            "@b.org",
            "a@b",
            "a@.org",
            "a@org.",
            "a@b@c.org",
            "a b@c.org",
            "a@c.org,b@d.org",
            "<a@b.org>",
            long.as_str(),
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
