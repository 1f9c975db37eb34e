//! Consultations: slots, booking and cancelling, the desk (with the hub's queue), hours,
//! time off, types and statistics.

use super::*;
use crate::{bookings, sync};

impl Workstation {
    /// A booking at the hub's desk as the desk shows bookings (names from the library data).
    pub(super) fn desk_booking_of(
        &self,
        b: sync::DeskBooking,
    ) -> Result<bookings::Booking, BookingError> {
        let p = self.desk_profile()?;
        Ok(bookings::Booking {
            code: b.code.to_string(),
            librarian_id: b.librarian_id,
            librarian_name: p.name,
            library_name: p.library_name,
            library_name_zh: p.library_name_zh,
            time_zone: p.time_zone,
            type_id: b.type_id,
            discipline_id: b.discipline_id,
            starts: b.starts_at,
            ends: b.ends_at,
            status: b.status.as_str().to_owned(),
            topic: b.topic,
            name: b.student_name,
            email: b.student_email,
            description: b.description,
            outcome: b.outcome,
            read_level: b.read_level,
            hub_state: Some("confirmed".into()),
        })
    }

    /// The consultation types.
    pub fn consultation_types(&self) -> Result<Vec<bookings::ConsultationType>, StoreError> {
        self.with_store(bookings::types)
    }

    /// Librarians covering a discipline (or all), as students see them.
    pub fn booking_librarians(
        &self,
        discipline: Option<&str>,
    ) -> Result<Vec<bookings::Profile>, StoreError> {
        self.with_store(|s| bookings::librarians(s, discipline))
    }

    /// A librarian's free slots of a type from now on.
    pub fn free_slots(
        &self,
        librarian: &str,
        type_id: &str,
    ) -> Result<Vec<bookings::slots::Slot>, BookingError> {
        self.with_store(|s| bookings::free_slots(s, librarian, type_id, Timestamp::now()))
    }

    /// Books a consultation. With a hub, the booking is sent at once; if the hub cannot be
    /// reached it stays `pending` in the outbox and is sent by the background sync, and if the
    /// hub found the time taken elsewhere the student is offered the nearest free slots.
    pub fn book(&self, request: &bookings::Request) -> Result<bookings::Booking, BookingError> {
        let made = self.with_store(|s| bookings::book(s, request, Timestamp::now()))?;
        self.count(UsageEvent::ConsultationBooked {
            discipline: request.discipline_id.as_deref(),
        });
        let hub = match self.hub() {
            Ok(Some(hub)) => hub,
            Ok(None) => return Ok(made),
            Err(e) => {
                tracing::error!(error = %e, "the hub client could not be made");
                return Ok(made);
            }
        };
        self.with_store(|s| bookings::mark_pending(s, &made.code))?;
        let sent = self.send_outbox(&hub, Some(&made.code))?;
        match sent.first() {
            Some((code, bookings::Sent::Confirmed { .. })) => self.booking_by_code(code),
            Some((_, bookings::Sent::Refused { .. })) => {
                // Learn what was booked elsewhere, then offer what is still free. A sync
                // under way brings it anyway: the student is not kept waiting for it.
                if let Some(_writing) = self.writing_now()
                    && let Err(e) = self.sync_pages(&hub)
                {
                    tracing::warn!(error = %e, "could not catch up with the hub");
                }
                let nearest = self.with_store(|s| {
                    bookings::nearest_free(
                        s,
                        &made.librarian_id,
                        &made.type_id,
                        made.starts,
                        Timestamp::now(),
                    )
                })?;
                Err(BookingError::SlotTaken { nearest })
            }
            _ => self.booking_by_code(&made.code),
        }
    }

    pub(super) fn booking_by_code(&self, code: &str) -> Result<bookings::Booking, BookingError> {
        self.with_store(|s| bookings::by_codes(s, &[code.to_owned()]))?
            .pop()
            .ok_or_else(|| BookingError::UnknownCode(code.to_owned()))
    }

    /// Bookings by code (a student's own, this session).
    pub fn bookings(&self, codes: &[String]) -> Result<Vec<bookings::Booking>, StoreError> {
        self.with_store(|s| bookings::by_codes(s, codes))
    }

    /// Cancels a booking with its code and the email given when booking. A booking the hub
    /// holds is cancelled there first (this workstation no longer has the email: the student
    /// gives it); with the hub out of reach it cannot be, and the student is told so. An
    /// email that is not the booking's cancels nothing.
    pub fn cancel_booking(
        &self,
        code: &str,
        email: Option<&str>,
    ) -> Result<bookings::Booking, BookingError> {
        let now = Timestamp::now();
        let b = self.with_store(|s| bookings::cancellable(s, code, now))?;
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let (Some(given), Some(kept)) = (email, b.email.as_deref())
            && !given.eq_ignore_ascii_case(kept)
        {
            return Err(BookingError::UnknownCode(code.to_owned()));
        }
        if b.hub_state.as_deref() == Some("confirmed")
            && let Ok(Some(hub)) = self.hub()
        {
            let Some(email) = email.or(b.email.as_deref()) else {
                return Err(BookingError::Invalid(vec![
                    commons_protocol::FieldError::new("email", "required"),
                ]));
            };
            let cancelled = hub.cancel(&b.code, email).map_err(|e| match e.refusal() {
                Some(refusal) => BookingError::HubRefused(refusal.message.clone()),
                None => BookingError::HubUnreachable(e.to_string()),
            })?;
            if !cancelled {
                return Err(BookingError::UnknownCode(code.to_owned()));
            }
        }
        self.with_store(|s| bookings::cancel(s, &b.code, now))
    }

    /// Saves the bookings with these codes as an iCalendar file in the downloads folder.
    pub fn booking_calendar(&self, codes: &[String]) -> Result<PathBuf, ExportError> {
        let found = self.bookings(codes)?;
        if found.is_empty() {
            return Err(ExportError::Nothing);
        }
        self.save_download(
            "consultation",
            "ics",
            bookings::ics(&found, Timestamp::now()),
        )
    }

    /// The signed-in librarian's own librarian id.
    pub(super) fn desk_librarian(&self) -> Result<String, BookingError> {
        let account = self.signed_in().ok_or(BookingError::NotSignedIn)?;
        account.librarian_id.ok_or(BookingError::NotALibrarian)
    }

    /// The signed-in librarian's profile (for the desk's heading and time zone).
    pub fn desk_profile(&self) -> Result<bookings::Profile, BookingError> {
        let me = self.desk_librarian()?;
        self.booking_librarians(None)?
            .into_iter()
            .find(|p| p.id == me)
            .ok_or(BookingError::UnknownLibrarian(me))
    }

    /// The signed-in librarian's queue for a local date of their library (today by default).
    pub fn desk_queue(
        &self,
        date: Option<jiff::civil::Date>,
    ) -> Result<Vec<bookings::Booking>, BookingError> {
        let me = self.desk_librarian()?;
        let now = Timestamp::now();
        let mut queue = self.with_store(|s| {
            bookings::purge(s, now, self.config.booking_retention_days.value)?;
            bookings::queue(s, &me, now, date)
        })?;
        // Bookings made on other workstations, from the hub (with the hub out of reach, the
        // queue is this workstation's).
        if let Some((hub, token)) = self.hub_desk() {
            let (from, to) = self.with_store(|s| bookings::day_bounds(s, &me, now, date))?;
            match hub.desk(&token, from, to) {
                Ok(Some(remote)) => {
                    for b in remote {
                        let b = self.desk_booking_of(b)?;
                        match queue.iter_mut().find(|l| l.code == b.code) {
                            // The hub's is the consortium's booking (and holds the student's
                            // data, which this workstation no longer keeps).
                            Some(local) => *local = b,
                            None => queue.push(b),
                        }
                    }
                    queue.sort_by_key(|b| b.starts);
                }
                Ok(None) => *self.hub_session_slot() = None,
                Err(e) => tracing::warn!(error = %e, "the hub's desk could not be read"),
            }
        }
        Ok(queue)
    }

    /// Check-in, completion or no-show at the desk.
    pub fn desk_action(
        &self,
        code: &str,
        action: &bookings::DeskAction,
    ) -> Result<bookings::Booking, BookingError> {
        let me = self.desk_librarian()?;
        let code = bookings::normalize_code(code);
        let local = self.with_store(|s| bookings::by_codes(s, std::slice::from_ref(&code)))?;
        let held_here = local.first().is_some_and(|b| b.librarian_id == me);
        let on_hub = local
            .first()
            .is_none_or(|b| b.hub_state.as_deref() == Some("confirmed"));
        if on_hub && let Some((hub, token)) = self.hub_desk() {
            match hub.desk_act(&token, &code, action) {
                Ok(b) if !held_here => return self.desk_booking_of(b),
                Ok(_) => {}
                Err(e) if !held_here => return Err(desk_refusal(e, &code)),
                Err(e) => tracing::warn!(error = %e, "the hub did not take the desk action"),
            }
        }
        self.with_store(|s| bookings::desk(s, &me, &code, action, Timestamp::now()))
    }

    /// A new address for the signed-in librarian's calendar feed on the hub, to subscribe to
    /// from a calendar program (the previous address stops working).
    pub fn new_calendar_feed(&self) -> Result<String, BookingError> {
        self.desk_librarian()?;
        let (hub, token) = self.hub_desk().ok_or(BookingError::NoHubSession)?;
        hub.new_calendar(&token)
            .map(|u| u.to_string())
            .map_err(|e| BookingError::HubUnreachable(e.to_string()))
    }

    /// The signed-in librarian's upcoming bookings as an iCalendar file in the downloads folder.
    pub fn desk_calendar(&self) -> Result<PathBuf, BookingError> {
        let me = self.desk_librarian()?;
        let upcoming = self.with_store(|s| bookings::upcoming(s, &me, Timestamp::now()))?;
        self.save_download(
            "my-consultations",
            "ics",
            bookings::ics(&upcoming, Timestamp::now()),
        )
        .map_err(|e| BookingError::Download(e.to_string()))
    }

    /// The signed-in librarian's weekly hours.
    pub fn desk_hours(&self) -> Result<Vec<(i64, String, String)>, BookingError> {
        let me = self.desk_librarian()?;
        Ok(self.with_store(|s| bookings::hours_rows(s, &me))?)
    }

    /// Adds or changes a consultation type (a signed-in librarian only).
    pub fn save_consultation_type(
        &self,
        form: &bookings::TypeForm,
    ) -> Result<String, BookingError> {
        self.signed_in().ok_or(BookingError::NotSignedIn)?;
        let mut id = self.with_store(|s| bookings::prepare_type(s, form))?;
        // With a hub, the types are the consortium's: saved there first, for every workstation.
        if let Ok(Some(hub)) = self.hub() {
            let Some(session) = self.hub_session_slot().clone() else {
                return Err(BookingError::DeskSignIn);
            };
            let new = form.id.is_none();
            let (free, answer) = send_under_free_id(&id, |id| {
                let shared = bookings::TypeForm {
                    id: Some(id.to_owned()),
                    ..form.clone()
                };
                hub.save_type(&session, &shared, new)
            });
            self.desk_answer(answer, "consultation type")?;
            id = free;
        }
        self.with_store(|s| bookings::write_type(s, &id, form))?;
        tracing::info!(type_id = %id, "consultation type saved");
        Ok(id)
    }

    /// Replaces the signed-in librarian's weekly hours. With a hub, they are kept there for
    /// every workstation: the new schedule goes to the hub first, then into this cache.
    pub fn set_desk_hours(&self, hours: &[(i64, String, String)]) -> Result<(), BookingError> {
        let me = self.desk_librarian()?;
        bookings::check_hours(hours)?;
        self.share_schedule(&me, |s| s.hours = hours.to_vec())?;
        self.with_store(|s| bookings::set_hours(s, &me, hours))
    }

    pub fn desk_exceptions(&self) -> Result<Vec<bookings::ExceptionRow>, BookingError> {
        let me = self.desk_librarian()?;
        Ok(self.with_store(|s| bookings::list_exceptions(s, &me))?)
    }

    /// Adds time off for the signed-in librarian (through the hub, as her hours).
    pub fn add_desk_exception(
        &self,
        date: &str,
        range: Option<(&str, &str)>,
        reason: &str,
    ) -> Result<(), BookingError> {
        let me = self.desk_librarian()?;
        bookings::check_exception(date, range, reason)?;
        self.share_schedule(&me, |s| {
            s.exceptions.push(bookings::SharedException {
                date: date.to_owned(),
                starts: range.map(|r| r.0.to_owned()),
                ends: range.map(|r| r.1.to_owned()),
                reason: reason.trim().to_owned(),
            });
        })?;
        self.with_store(|s| bookings::add_exception(s, &me, date, range, reason))
    }

    /// Removes time off of the signed-in librarian (through the hub, as her hours).
    pub fn remove_desk_exception(&self, id: i64) -> Result<(), BookingError> {
        let me = self.desk_librarian()?;
        let listed = self.with_store(|s| bookings::list_exceptions(s, &me))?;
        let Some(gone) = listed.iter().find(|e| e.id == id) else {
            return Ok(());
        };
        let gone = bookings::SharedException {
            date: gone.date.clone(),
            starts: gone.starts.clone(),
            ends: gone.ends.clone(),
            reason: gone.reason.clone(),
        };
        self.share_schedule(&me, |s| {
            if let Some(i) = s.exceptions.iter().position(|e| *e == gone) {
                s.exceptions.remove(i);
            }
        })?;
        Ok(self.with_store(|s| bookings::remove_exception(s, &me, id))?)
    }

    /// With a hub, sends `librarian`'s schedule as `change` leaves it; without one, nothing.
    pub(super) fn share_schedule(
        &self,
        librarian: &str,
        change: impl FnOnce(&mut bookings::SharedSchedule),
    ) -> Result<(), BookingError> {
        let Ok(Some(hub)) = self.hub() else {
            return Ok(());
        };
        let Some(session) = self.hub_session_slot().clone() else {
            return Err(BookingError::DeskSignIn);
        };
        let mut schedule = self.with_store(|s| bookings::read_schedule(s, librarian))?;
        change(&mut schedule);
        self.desk_answer(hub.save_schedule(&session, &schedule), "schedule")
    }

    /// What the hub's answer to a change of desk settings (`what`) means here.
    pub(super) fn desk_answer(
        &self,
        answer: Result<Result<(), sync::Refusal>, sync::SyncError>,
        what: &str,
    ) -> Result<(), BookingError> {
        match answer {
            Ok(Ok(())) => Ok(()),
            Ok(Err(sync::Refusal::NotSignedIn)) => {
                *self.hub_session_slot() = None;
                Err(BookingError::DeskSignIn)
            }
            Ok(Err(sync::Refusal::Invalid(reason))) => Err(BookingError::HubRefused(format!(
                "the hub refused the {what}: {reason}"
            ))),
            Ok(Err(sync::Refusal::NotFound)) => Err(BookingError::HubRefused(format!(
                "the hub does not know this {what}"
            ))),
            Ok(Err(sync::Refusal::Taken)) => Err(BookingError::HubRefused(format!(
                "the hub already has a {what} with this id"
            ))),
            Err(e) if e.is_offline() => Err(BookingError::DeskOffline(e.to_string())),
            Err(e) => Err(BookingError::HubRefused(e.to_string())),
        }
    }

    /// Consultation statistics (any signed-in librarian) over the last `days` days, or all.
    pub fn booking_statistics(
        &self,
        days: Option<u32>,
    ) -> Result<bookings::stats::Statistics, BookingError> {
        self.signed_in().ok_or(BookingError::NotSignedIn)?;
        let from = since(days);
        self.with_store(|s| {
            bookings::mark_no_shows(s, Timestamp::now())?;
            Ok(bookings::stats::aggregate(&bookings::stats::rows(s, from)?))
        })
    }

    /// The anonymised consultations of the last `days` days (or all) as CSV in the downloads
    /// folder.
    pub fn booking_statistics_csv(&self, days: Option<u32>) -> Result<PathBuf, BookingError> {
        self.signed_in().ok_or(BookingError::NotSignedIn)?;
        let from = since(days);
        let rows = self.with_store(|s| bookings::stats::rows(s, from))?;
        self.save_download("consultations", "csv", bookings::stats::csv(&rows))
            .map_err(|e| BookingError::Download(e.to_string()))
    }
}
