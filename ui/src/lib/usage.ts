// When a search counts for usage statistics. Search-as-you-type asks core as the patron types;
// a search counts once its results have stayed on screen for a moment (or the
// patron pressed Enter), and the same text again (another page, a sort, a facet) is not a
// new search. What is counted is core's business; the text leaves the page only to be
// normalised and, if it found nothing, counted per session.

/** Milliseconds results stay on screen before their search counts. */
export const SETTLE_MS = 1500;

export type Report = (text: string, found: number, discipline: string | null) => void;

/** The first discipline filter's id (`discipline/physics` → `physics`), if any. */
export function disciplineOf(filters: readonly string[]): string | null {
  for (const f of filters) {
    if (f.startsWith("discipline/")) return f.slice("discipline/".length) || null;
    if (f.startsWith("subdiscipline/")) return f.slice("subdiscipline/".length) || null;
  }
  return null;
}

/** Normalised as core compares texts: spaces collapsed, lower case. */
export function sameText(text: string): string {
  return text.trim().split(/\s+/).join(" ").toLowerCase();
}

export class SearchTally {
  #counted: string | null = null;
  #pending: { text: string; found: number; discipline: string | null } | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #report: Report;
  readonly #settleMs: number;

  constructor(report: Report, settleMs = SETTLE_MS) {
    this.#report = report;
    this.#settleMs = settleMs;
  }

  /** Results for `text` are on screen. */
  shown(text: string, found: number, discipline: string | null): void {
    clearTimeout(this.#timer);
    const key = sameText(text);
    if (!key || key === this.#counted) {
      this.#pending = null;
      return;
    }
    this.#pending = { text: key, found, discipline };
    this.#timer = setTimeout(() => this.flush(), this.#settleMs);
  }

  /** The patron acted on the results (pressed Enter, opened one): count now. */
  flush(): void {
    clearTimeout(this.#timer);
    const p = this.#pending;
    this.#pending = null;
    if (!p || p.text === this.#counted) return;
    this.#counted = p.text;
    this.#report(p.text, p.found, p.discipline);
  }

  /** The patron session ended: the next search is new. */
  reset(): void {
    clearTimeout(this.#timer);
    this.#pending = null;
    this.#counted = null;
  }
}
