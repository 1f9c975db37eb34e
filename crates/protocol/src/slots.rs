//! Free consultation slots: weekly hours in the library's local time, minus exceptions and
//! existing bookings, cut into slots of a consultation type.
//!
//! Hours are wall-clock times in the library's IANA time zone. Each day's open interval is
//! turned into absolute instants first (a local time the clock skips moves forward to when
//! it exists again; one it repeats takes the first), and slots are cut in absolute time: a
//! librarian open 01:00–05:00 on the night clocks spring forward works three real hours, and
//! a 30-minute consultation lasts 30 minutes whatever the clock does.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// A consultation type's timing rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub minutes: i64,
    pub buffer_before: i64,
    pub buffer_after: i64,
    pub min_notice_minutes: i64,
    pub window_days: i64,
    pub capacity: i64,
}

/// Open hours on one weekday (1 = Monday … 7 = Sunday), local wall-clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub weekday: i8,
    pub starts: Time,
    pub ends: Time,
}

/// Time off on one local date: the whole day, or a local time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exception {
    pub date: Date,
    pub range: Option<(Time, Time)>,
}

/// A booking that holds time: its interval and type (same type and start can share a
/// group slot up to the capacity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    pub starts: Timestamp,
    pub ends: Timestamp,
    pub type_id: String,
    /// Its own type's buffers, in minutes.
    pub buffer_before: i64,
    pub buffer_after: i64,
}

/// A bookable slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub starts: Timestamp,
    pub ends: Timestamp,
    /// Places left (1 for one-to-one).
    pub places: i64,
}

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

/// The absolute instant of a local wall-clock time on a date.
pub fn instant(date: Date, time: Time, tz: &TimeZone) -> Option<Timestamp> {
    // `to_zoned` resolves gaps forward and folds to the earlier instant ("compatible").
    date.to_datetime(time)
        .to_zoned(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// Removes `cut` from every interval.
fn subtract(
    intervals: Vec<(Timestamp, Timestamp)>,
    cut: (Timestamp, Timestamp),
) -> Vec<(Timestamp, Timestamp)> {
    let mut out = Vec::new();
    for (a, b) in intervals {
        if cut.1 <= a || cut.0 >= b {
            out.push((a, b));
            continue;
        }
        if cut.0 > a {
            out.push((a, cut.0));
        }
        if cut.1 < b {
            out.push((cut.1, b));
        }
    }
    out
}

/// The open intervals of one local date, exceptions removed, in absolute time.
pub fn open_intervals(
    date: Date,
    hours: &[Hours],
    exceptions: &[Exception],
    tz: &TimeZone,
) -> Vec<(Timestamp, Timestamp)> {
    let weekday = date.weekday().to_monday_one_offset();
    let mut open: Vec<(Timestamp, Timestamp)> = hours
        .iter()
        .filter(|h| h.weekday == weekday && h.starts < h.ends)
        .filter_map(|h| Some((instant(date, h.starts, tz)?, instant(date, h.ends, tz)?)))
        .filter(|(a, b)| a < b)
        .collect();
    for e in exceptions.iter().filter(|e| e.date == date) {
        match e.range {
            None => return Vec::new(),
            Some((from, to)) => {
                if let (Some(a), Some(b)) = (instant(date, from, tz), instant(date, to, tz)) {
                    open = subtract(open, (a, b));
                }
            }
        }
    }
    open.sort();
    open
}

/// Every free slot of a type from `now` to the end of its booking window.
pub fn free_slots(
    rules: &Rules,
    type_id: &str,
    hours: &[Hours],
    exceptions: &[Exception],
    busy: &[Busy],
    tz: &TimeZone,
    now: Timestamp,
) -> Vec<Slot> {
    let earliest = now
        .saturating_add(minutes(rules.min_notice_minutes))
        .unwrap_or(now);
    let today = now.to_zoned(tz.clone()).date();
    let step = minutes(rules.buffer_before + rules.minutes + rules.buffer_after);
    if step <= SignedDuration::ZERO || rules.minutes <= 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for day in 0..=rules.window_days {
        let Ok(date) = today.checked_add(jiff::Span::new().days(day)) else {
            break;
        };
        for (open, close) in open_intervals(date, hours, exceptions, tz) {
            let mut start = open
                .saturating_add(minutes(rules.buffer_before))
                .unwrap_or(open);
            loop {
                let Ok(end) = start.checked_add(minutes(rules.minutes)) else {
                    break;
                };
                if end > close {
                    break;
                }
                if start >= earliest
                    && let Some(places) = places_left(rules, type_id, start, end, busy)
                {
                    out.push(Slot {
                        starts: start,
                        ends: end,
                        places,
                    });
                }
                let Ok(next) = start.checked_add(step) else {
                    break;
                };
                start = next;
            }
        }
    }
    out
}

/// Places left in a slot, or `None` when other bookings take it: two consultations
/// conflict unless one ends, with its buffer after, before the other starts, with its
/// buffer before.
pub fn places_left(
    rules: &Rules,
    type_id: &str,
    starts: Timestamp,
    ends: Timestamp,
    busy: &[Busy],
) -> Option<i64> {
    let lo = starts
        .saturating_sub(minutes(rules.buffer_before))
        .unwrap_or(starts);
    let hi = ends
        .saturating_add(minutes(rules.buffer_after))
        .unwrap_or(ends);
    let mut same = 0;
    for b in busy {
        let b_lo = b
            .starts
            .saturating_sub(minutes(b.buffer_before))
            .unwrap_or(b.starts);
        let b_hi = b
            .ends
            .saturating_add(minutes(b.buffer_after))
            .unwrap_or(b.ends);
        if b_hi <= lo || b_lo >= hi {
            continue;
        }
        if rules.capacity > 1 && b.type_id == type_id && b.starts == starts {
            same += 1;
        } else {
            return None;
        }
    }
    (same < rules.capacity).then_some(rules.capacity - same)
}

/// Why a requested time is not a slot of the type: what the hub answers when a workstation
/// asks for a booking the rules do not allow, whatever it sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRefusal {
    /// The consultation does not last the type's minutes.
    Length,
    /// It starts in the past or sooner than the type's notice.
    Notice,
    /// It starts after the type's booking window.
    Window,
    /// It is not inside the librarian's weekly hours.
    OutsideHours,
    /// The librarian is away then.
    TimeOff,
}

/// Whether `[starts, ends)` can be booked with the type in these hours at `now`: it lasts the
/// type's minutes, respects its notice and window, and lies (with its buffer before) inside
/// the hours of its day and outside time off. Every slot [`free_slots`] offers passes; other
/// bookings are not counted (the hub's database refuses overlaps itself).
#[allow(clippy::too_many_arguments)]
pub fn check_slot(
    rules: &Rules,
    hours: &[Hours],
    exceptions: &[Exception],
    tz: &TimeZone,
    now: Timestamp,
    starts: Timestamp,
    ends: Timestamp,
) -> Result<(), SlotRefusal> {
    if ends.duration_since(starts) != minutes(rules.minutes) {
        return Err(SlotRefusal::Length);
    }
    let earliest = now
        .saturating_add(minutes(rules.min_notice_minutes))
        .unwrap_or(now);
    if starts < earliest {
        return Err(SlotRefusal::Notice);
    }
    let today = now.to_zoned(tz.clone()).date();
    let date = starts.to_zoned(tz.clone()).date();
    let last = today
        .checked_add(jiff::Span::new().days(rules.window_days))
        .unwrap_or(today);
    if date > last {
        return Err(SlotRefusal::Window);
    }
    // Inside one open interval, with its buffer before (as `free_slots` cuts them); where in
    // it is the workstation's choice.
    let inside = |open: Vec<(Timestamp, Timestamp)>| {
        let from = starts
            .checked_sub(minutes(rules.buffer_before))
            .unwrap_or(starts);
        open.into_iter()
            .any(|(open, close)| from >= open && ends <= close)
    };
    if !inside(open_intervals(date, hours, &[], tz)) {
        return Err(SlotRefusal::OutsideHours);
    }
    if !inside(open_intervals(date, hours, exceptions, tz)) {
        return Err(SlotRefusal::TimeOff);
    }
    Ok(())
}

impl From<&crate::bookings::TypeForm> for Rules {
    fn from(t: &crate::bookings::TypeForm) -> Rules {
        Rules {
            minutes: t.minutes,
            buffer_before: t.buffer_before,
            buffer_after: t.buffer_after,
            min_notice_minutes: t.min_notice_minutes,
            window_days: t.window_days,
            capacity: t.capacity,
        }
    }
}

/// A shared schedule's weekly hours and time off, the entries that cannot be read left out
/// (the schedule's `problem` refuses them before they are stored).
pub fn schedule_parts(s: &crate::bookings::SharedSchedule) -> (Vec<Hours>, Vec<Exception>) {
    let time = |t: &str| Time::strptime("%H:%M", t).ok();
    let hours = s
        .hours
        .iter()
        .filter_map(|(weekday, a, b)| {
            Some(Hours {
                weekday: i8::try_from(*weekday).ok()?,
                starts: time(a)?,
                ends: time(b)?,
            })
        })
        .collect();
    let exceptions = s
        .exceptions
        .iter()
        .filter_map(|e| {
            let range = match (&e.starts, &e.ends) {
                (Some(a), Some(b)) => Some((time(a)?, time(b)?)),
                _ => None,
            };
            Some(Exception {
                date: e.date.parse().ok()?,
                range,
            })
        })
        .collect();
    (hours, exceptions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn rules(minutes: i64) -> Rules {
        Rules {
            minutes,
            buffer_before: 0,
            buffer_after: 0,
            min_notice_minutes: 0,
            window_days: 0,
            capacity: 1,
        }
    }

    fn local(slots: &[Slot], tz: &TimeZone) -> Vec<String> {
        slots
            .iter()
            .map(|s| {
                s.starts
                    .to_zoned(tz.clone())
                    .strftime("%H:%M %Z")
                    .to_string()
            })
            .collect()
    }

    /// Slots of one day, opened `from`–`to` local, in a zone.
    fn day(zone: &str, on: Date, from: Time, to: Time, minutes: i64) -> Vec<String> {
        let tz = TimeZone::get(zone).unwrap();
        let hours = [Hours {
            weekday: on.weekday().to_monday_one_offset(),
            starts: from,
            ends: to,
        }];
        // "Now" is the start of that local day.
        let now = instant(on, time(0, 0, 0, 0), &tz).unwrap();
        local(
            &free_slots(&rules(minutes), "t", &hours, &[], &[], &tz, now),
            &tz,
        )
    }

    #[test]
    fn daylight_saving_changes_and_zones_without_them() {
        // Data-driven: zone, date, open hours, minutes, expected local starts.
        type Case = (&'static str, Date, Time, Time, i64, Vec<&'static str>);
        let table: Vec<Case> = vec![
            // An ordinary day in Chicago.
            (
                "America/Chicago",
                date(2026, 3, 2),
                time(10, 0, 0, 0),
                time(12, 0, 0, 0),
                30,
                vec!["10:00 CST", "10:30 CST", "11:00 CST", "11:30 CST"],
            ),
            // Spring forward in Chicago (8 March 2026): 02:00–03:00 does not exist. Open
            // 01:00–05:00 is three real hours; slots jump from 01:30 CST to 03:00 CDT.
            (
                "America/Chicago",
                date(2026, 3, 8),
                time(1, 0, 0, 0),
                time(5, 0, 0, 0),
                30,
                vec![
                    "01:00 CST",
                    "01:30 CST",
                    "03:00 CDT",
                    "03:30 CDT",
                    "04:00 CDT",
                    "04:30 CDT",
                ],
            ),
            // Hours that start inside the gap (02:30 does not exist) begin when it exists again.
            (
                "America/Chicago",
                date(2026, 3, 8),
                time(2, 30, 0, 0),
                time(4, 0, 0, 0),
                30,
                vec!["03:30 CDT"],
            ),
            // 03:30 on the day the clock skips is an ordinary time, and bookable.
            (
                "America/Chicago",
                date(2026, 3, 8),
                time(3, 30, 0, 0),
                time(4, 30, 0, 0),
                60,
                vec!["03:30 CDT"],
            ),
            // Fall back (1 November 2026): 01:00–02:00 happens twice. Open 00:00–03:00 is four
            // real hours.
            (
                "America/Chicago",
                date(2026, 11, 1),
                time(0, 0, 0, 0),
                time(3, 0, 0, 0),
                60,
                vec!["00:00 CDT", "01:00 CDT", "01:00 CST", "02:00 CST"],
            ),
            // 01:00 CST to 04:00 CDT is two real hours: a 45-minute consultation at 01:45 CST
            // ends at 03:30 CDT, 45 real minutes later.
            (
                "America/Chicago",
                date(2026, 3, 8),
                time(1, 0, 0, 0),
                time(4, 0, 0, 0),
                45,
                vec!["01:00 CST", "01:45 CST"],
            ),
            // Phoenix keeps standard time all year: the same night is ordinary.
            (
                "America/Phoenix",
                date(2026, 3, 8),
                time(1, 0, 0, 0),
                time(3, 0, 0, 0),
                60,
                vec!["01:00 MST", "02:00 MST"],
            ),
            (
                "Asia/Shanghai",
                date(2026, 3, 8),
                time(9, 0, 0, 0),
                time(10, 0, 0, 0),
                30,
                vec!["09:00 CST", "09:30 CST"],
            ),
            // Europe skips 02:00–03:00 on 29 March 2026.
            (
                "Europe/Berlin",
                date(2026, 3, 29),
                time(1, 0, 0, 0),
                time(4, 0, 0, 0),
                60,
                vec!["01:00 CET", "03:00 CEST"],
            ),
        ];
        for (zone, on, from, to, minutes, expected) in table {
            assert_eq!(
                day(zone, on, from, to, minutes),
                expected,
                "{zone} {on} {from}-{to} {minutes}"
            );
        }
        // The 01:00 CST slot of 1:00–2:00 on fall-back night really starts an hour after the
        // 01:00 CDT one.
        let tz = TimeZone::get("America/Chicago").unwrap();
        let on = date(2026, 11, 1);
        let hours = [Hours {
            weekday: 7,
            starts: time(0, 0, 0, 0),
            ends: time(3, 0, 0, 0),
        }];
        let now = instant(on, time(0, 0, 0, 0), &tz).unwrap();
        let s = free_slots(&rules(60), "t", &hours, &[], &[], &tz, now);
        assert_eq!(
            s[2].starts.duration_since(s[1].starts),
            SignedDuration::from_hours(1)
        );
    }

    #[test]
    fn exceptions_bookings_buffers_notice_window_and_groups() {
        let tz = TimeZone::get("America/Chicago").unwrap();
        let monday = date(2026, 3, 2);
        let hours = [Hours {
            weekday: 1,
            starts: time(10, 0, 0, 0),
            ends: time(12, 0, 0, 0),
        }];
        let at = |h: i8, m: i8| instant(monday, time(h, m, 0, 0), &tz).unwrap();
        let now = at(8, 0);
        let base = rules(30);
        // A sick day removes the whole day; a meeting removes a range.
        let sick = [Exception {
            date: monday,
            range: None,
        }];
        assert!(free_slots(&base, "t", &hours, &sick, &[], &tz, now).is_empty());
        let meeting = [Exception {
            date: monday,
            range: Some((time(10, 30, 0, 0), time(11, 0, 0, 0))),
        }];
        assert_eq!(
            local(
                &free_slots(&base, "t", &hours, &meeting, &[], &tz, now),
                &tz
            ),
            vec!["10:00 CST", "11:00 CST", "11:30 CST"]
        );
        // An existing booking takes its slot.
        let busy = [Busy {
            starts: at(11, 0),
            ends: at(11, 30),
            type_id: "t".into(),
            buffer_before: 0,
            buffer_after: 0,
        }];
        assert_eq!(
            local(&free_slots(&base, "t", &hours, &[], &busy, &tz, now), &tz),
            vec!["10:00 CST", "10:30 CST", "11:30 CST"]
        );
        // Buffers: 10 minutes after each consultation; slots step by 40 minutes and a slot
        // whose buffer would touch a booking is not offered.
        let buffered = Rules {
            buffer_after: 10,
            ..base.clone()
        };
        assert_eq!(
            local(&free_slots(&buffered, "t", &hours, &[], &[], &tz, now), &tz),
            vec!["10:00 CST", "10:40 CST", "11:20 CST"]
        );
        let busy_late = [Busy {
            starts: at(11, 0),
            ends: at(11, 15),
            type_id: "t".into(),
            buffer_before: 0,
            buffer_after: 10,
        }];
        assert_eq!(
            local(
                &free_slots(&buffered, "t", &hours, &[], &busy_late, &tz, now),
                &tz
            ),
            vec!["10:00 CST"]
        );
        // Minimum notice: at 10:15 with an hour's notice, 11:30 is the first.
        let notice = Rules {
            min_notice_minutes: 60,
            ..base.clone()
        };
        assert_eq!(
            local(
                &free_slots(&notice, "t", &hours, &[], &[], &tz, at(10, 15)),
                &tz
            ),
            vec!["11:30 CST"]
        );
        // The window: seven days ahead includes next Monday, not the one after.
        let week = Rules {
            window_days: 7,
            ..base.clone()
        };
        assert_eq!(free_slots(&week, "t", &hours, &[], &[], &tz, now).len(), 8);
        // A group session of four: three booked leaves one place; a different type blocks.
        let group = Rules {
            capacity: 4,
            minutes: 60,
            ..base.clone()
        };
        let three: Vec<Busy> = (0..3)
            .map(|_| Busy {
                starts: at(10, 0),
                ends: at(11, 0),
                type_id: "g".into(),
                buffer_before: 0,
                buffer_after: 0,
            })
            .collect();
        let slots = free_slots(&group, "g", &hours, &[], &three, &tz, now);
        assert_eq!(slots[0].places, 1);
        assert_eq!(slots.len(), 2);
        let four: Vec<Busy> = (0..4)
            .map(|_| Busy {
                starts: at(10, 0),
                ends: at(11, 0),
                type_id: "g".into(),
                buffer_before: 0,
                buffer_after: 0,
            })
            .collect();
        assert_eq!(
            free_slots(&group, "g", &hours, &[], &four, &tz, now).len(),
            1
        );
        let other = [Busy {
            starts: at(10, 0),
            ends: at(10, 30),
            type_id: "t".into(),
            buffer_before: 0,
            buffer_after: 0,
        }];
        assert_eq!(
            free_slots(&group, "g", &hours, &[], &other, &tz, now).len(),
            1
        );
    }

    /// Every slot `free_slots` offers passes `check_slot`, and each way of leaving the
    /// rules is refused with its reason.
    #[test]
    fn the_hub_accepts_what_is_offered_and_names_what_is_not() {
        let tz = TimeZone::get("America/Chicago").unwrap();
        let monday = date(2026, 3, 2);
        let at = |d: Date, h: i8, m: i8| instant(d, time(h, m, 0, 0), &tz).unwrap();
        let rules = Rules {
            minutes: 30,
            buffer_before: 0,
            buffer_after: 10,
            min_notice_minutes: 60,
            window_days: 7,
            capacity: 1,
        };
        let hours = [Hours {
            weekday: 1,
            starts: time(10, 0, 0, 0),
            ends: time(12, 0, 0, 0),
        }];
        let next_monday = date(2026, 3, 9);
        let exceptions = [Exception {
            date: next_monday,
            range: Some((time(11, 0, 0, 0), time(12, 0, 0, 0))),
        }];
        let now = at(monday, 8, 0);
        let offered = free_slots(&rules, "t", &hours, &exceptions, &[], &tz, now);
        assert_eq!(
            offered.len(),
            3 + 1,
            "10:00, 10:40, 11:20 and next week's 10:00"
        );
        for slot in &offered {
            assert_eq!(
                check_slot(
                    &rules,
                    &hours,
                    &exceptions,
                    &tz,
                    now,
                    slot.starts,
                    slot.ends
                ),
                Ok(())
            );
        }
        let check = |s: Timestamp, e: Timestamp, now: Timestamp| {
            check_slot(&rules, &hours, &exceptions, &tz, now, s, e)
        };
        let thirty = SignedDuration::from_mins(30);
        let ten = at(monday, 10, 0);
        assert_eq!(
            check(ten, ten + SignedDuration::from_mins(45), now),
            Err(SlotRefusal::Length)
        );
        assert_eq!(
            check(ten, ten + thirty, at(monday, 9, 30)),
            Err(SlotRefusal::Notice)
        );
        assert_eq!(
            check(ten, ten + thirty, at(monday, 10, 30)),
            Err(SlotRefusal::Notice)
        );
        let far = at(date(2026, 3, 16), 10, 0);
        assert_eq!(check(far, far + thirty, now), Err(SlotRefusal::Window));
        let early = at(monday, 9, 0);
        assert_eq!(
            check(early, early + thirty, now),
            Err(SlotRefusal::OutsideHours)
        );
        // Between two offered slots, still inside her hours: the workstation's choice.
        let between = at(monday, 10, 15);
        assert_eq!(check(between, between + thirty, now), Ok(()));
        let late = at(monday, 11, 40);
        assert_eq!(
            check(late, late + thirty, now),
            Err(SlotRefusal::OutsideHours)
        );
        let tuesday = at(date(2026, 3, 3), 10, 0);
        assert_eq!(
            check(tuesday, tuesday + thirty, now),
            Err(SlotRefusal::OutsideHours)
        );
        let away = at(next_monday, 11, 20);
        assert_eq!(check(away, away + thirty, now), Err(SlotRefusal::TimeOff));
    }
}
