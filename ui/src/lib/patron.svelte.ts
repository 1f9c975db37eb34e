// The patron session at a public workstation: one student follows another at the same
// keyboard. "Finish and clear", or the idle countdown, ends it: core deletes the files it
// saved and signs a librarian out; the page forgets everything it held by starting afresh
// on Home (search, My list, bookings shown with their codes, open documents, half-filled
// forms live only in the page's memory, never in localStorage).
import { commands, type SessionFile } from "./bindings";

/** Seconds of countdown, after the idle time, before the session is cleared. */
export const COUNTDOWN_SECS = 30;

export const patron = $state<{ files: SessionFile[]; copied: string | null }>({ files: [], copied: null });

/** Copies text for the patron, remembering it so that clearing empties the clipboard. */
export async function copyText(text: string): Promise<void> {
  await navigator.clipboard.writeText(text);
  patron.copied = text;
}

/** The files this session saved. */
export async function refreshFiles(): Promise<void> {
  try {
    patron.files = await commands.getSessionFiles();
  } catch {
    patron.files = [];
  }
}

/** Ends the session and starts the page afresh on Home. */
export async function finishSession(): Promise<void> {
  try {
    await commands.finishSession();
  } catch {
    // Whatever core could not delete, the page still forgets.
  }
  if (patron.copied !== null) {
    try {
      const now = await navigator.clipboard.readText();
      if (now === patron.copied) await navigator.clipboard.writeText("");
    } catch {
      // The clipboard may refuse without a gesture; what Commons copied was a call number.
    }
  }
  location.hash = "#/";
  location.reload();
}

/** What the idle watch says: nothing, or the countdown's seconds left, or time to clear. */
export type IdleState = { kind: "active" } | { kind: "countdown"; secondsLeft: number } | { kind: "expired" };

/** Idle time and countdown, with the clock passed in (testable without waiting). */
export class IdleWatch {
  #last: number;
  readonly #idleMs: number;
  readonly #countdownMs: number;

  constructor(idleMinutes: number, now: number, countdownSecs = COUNTDOWN_SECS) {
    this.#idleMs = idleMinutes * 60_000;
    this.#countdownMs = countdownSecs * 1000;
    this.#last = now;
  }

  /** Any key, click, touch or wheel: the patron is here. */
  input(now: number): void {
    this.#last = now;
  }

  state(now: number): IdleState {
    const idle = now - this.#last;
    if (idle < this.#idleMs) return { kind: "active" };
    const left = this.#idleMs + this.#countdownMs - idle;
    if (left <= 0) return { kind: "expired" };
    return { kind: "countdown", secondsLeft: Math.ceil(left / 1000) };
  }
}
