// Numbers, dates and times shown the way the reader's language writes them.
import type { Language } from "./bindings";

// One formatter per language: making one costs far more than using it, and a page of results
// formats a hundred counts each time it is drawn.
const counts = new Map<Language, Intl.NumberFormat>();

export function formatCount(n: number, language: Language): string {
  let format = counts.get(language);
  if (!format) {
    format = new Intl.NumberFormat(language);
    counts.set(language, format);
  }
  return format.format(n);
}

/** An instant (RFC 3339) in this workstation's local time, or null when unparseable. */
export function formatInstant(iso: string, language: Language, timeZone?: string): string | null {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat(language, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(date);
}

/** The wall-clock time now in an IANA time zone, e.g. "10:42"; the zone name if unknown. */
export function localTime(now: Date, timeZone: string, language: Language): string {
  try {
    return new Intl.DateTimeFormat(language, {
      hour: "numeric",
      minute: "2-digit",
      timeZone,
    }).format(now);
  } catch {
    return timeZone;
  }
}

/** A calendar date (YYYY-MM-DD) as the reader's language writes it; the input if unparseable. */
export function formatDate(ymd: string, language: Language): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd);
  if (!m) return ymd;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeZone: "UTC" }).format(date);
}
