// The Consultations screens' shared state: the codes a student booked in this session (in
// memory only, so the next student at this workstation does not see them), and formatting
// of times in a library's time zone.
import type { BookingState, Language } from "./bindings";
import type { MessageKey } from "./i18n/index.svelte";

export const mine = $state<{ codes: string[]; emails: Record<string, string> }>({ codes: [], emails: {} });

/** Remembers a booking of this session with the email it was made with (cancelling a booking
 *  the hub holds takes both; the workstation keeps neither once the hub has it). */
export function remember(code: string, email?: string): void {
  if (!mine.codes.includes(code)) mine.codes = [code, ...mine.codes];
  if (email) mine.emails = { ...mine.emails, [code]: email };
}

/**
 * Until when a booking starting at `starts` can be cancelled online, its type's cutoff
 * before it, as an ISO time; null when that time has passed at `now` (the desk cancels it).
 */
export function cancelDeadline(starts: string, cutoffMinutes: number, now: Date = new Date()): string | null {
  const deadline = new Date(new Date(starts).getTime() - cutoffMinutes * 60_000);
  if (Number.isNaN(deadline.getTime())) return null;
  return deadline.getTime() >= now.getTime() ? deadline.toISOString() : null;
}

/** A slot's time in the library's zone: "Mon 2 Mar, 10:00". */
export function slotTime(iso: string, timeZone: string, language: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(language, {
      weekday: "short",
      day: "numeric",
      month: "short",
      hour: "numeric",
      minute: "2-digit",
      timeZone,
    }).format(date);
  } catch {
    return iso;
  }
}

/** Only the time of day in the library's zone: "10:00". */
export function timeOfDay(iso: string, timeZone: string, language: Language): string {
  const date = new Date(iso);
  try {
    return new Intl.DateTimeFormat(language, { hour: "numeric", minute: "2-digit", timeZone }).format(date);
  } catch {
    return iso;
  }
}

/** The zone's short name as the reader's language writes it ("CST"), else the IANA name. */
export function zoneName(timeZone: string, language: Language, at: Date = new Date()): string {
  try {
    const part = new Intl.DateTimeFormat(language, { timeZone, timeZoneName: "short" })
      .formatToParts(at)
      .find((p) => p.type === "timeZoneName");
    return part?.value ?? timeZone;
  } catch {
    return timeZone;
  }
}

/** Today's date (YYYY-MM-DD) in a zone, built from parts (locale formats differ by engine). */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
    return `${get("year")}-${get("month")}-${get("day")}`;
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/** The message key of a booking's state; every state has one (a missing key is a type error). */
export function statusKey(s: BookingState): MessageKey {
  return `con.status.${s}`;
}
