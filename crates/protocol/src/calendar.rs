//! iCalendar (RFC 5545) files of consultations: a student's booking, and a librarian's
//! calendar feed. The hub and workstations write them the same way.

use jiff::Timestamp;

/// One consultation in a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Makes the event's UID, stable across updates of the same booking: [`uid_of`] its
    /// code, never the code itself (whoever holds a code can cancel with it).
    pub uid: String,
    pub starts: Timestamp,
    pub ends: Timestamp,
    pub summary: String,
    pub location: Option<String>,
    pub description: String,
    pub cancelled: bool,
}

fn text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
        .replace('\r', "")
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Lines longer than 75 octets are folded (a space starts each continuation).
fn fold(line: &str, out: &mut String) {
    let mut count = 0;
    for c in line.chars() {
        if count + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            count = 1;
        }
        out.push(c);
        count += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The UID part of a booking's event: a digest of its code, stable for the booking, which
/// does not give the code away.
pub fn uid_of(code: &crate::BookingCode) -> String {
    let digest = crate::Sha256::of(format!("commons consultation {}", code.compact()).as_bytes());
    digest.as_str()[..32].to_owned()
}

/// A calendar of `events`, stamped `now`.
pub fn write(events: &[Event], now: Timestamp) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Commons//Consultations//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        fold(l, &mut out);
    }
    for e in events {
        fold("BEGIN:VEVENT", &mut out);
        fold(&format!("UID:{}@consultations.commons", e.uid), &mut out);
        fold(&format!("DTSTAMP:{}", utc(now)), &mut out);
        fold(&format!("DTSTART:{}", utc(e.starts)), &mut out);
        fold(&format!("DTEND:{}", utc(e.ends)), &mut out);
        fold(&format!("SUMMARY:{}", text(&e.summary)), &mut out);
        if let Some(location) = e.location.as_deref().filter(|l| !l.is_empty()) {
            fold(&format!("LOCATION:{}", text(location)), &mut out);
        }
        fold(&format!("DESCRIPTION:{}", text(&e.description)), &mut out);
        fold(
            &format!(
                "STATUS:{}",
                if e.cancelled {
                    "CANCELLED"
                } else {
                    "CONFIRMED"
                }
            ),
            &mut out,
        );
        fold("END:VEVENT", &mut out);
    }
    fold("END:VCALENDAR", &mut out);
    out
}
