// "Latest answer wins": a screen that asks again before an answer comes (typing, changing a
// filter) must draw only the answer to its latest question. One `Latest` per question.
import type { IpcError } from "./bindings";
import { toIpcError } from "./errors";

/** What a request came to: its value, its error, or nothing because a later one started. */
export type Answer<T> =
  | { kind: "value"; value: T }
  | { kind: "error"; error: IpcError }
  | { kind: "stale" };

export class Latest {
  #ticket = 0;

  /** Starts a request; the function tells, later, whether it is still the latest. */
  begin(): () => boolean {
    const mine = ++this.#ticket;
    return () => mine === this.#ticket;
  }

  /** Runs `load` as the latest request. */
  async run<T>(load: () => Promise<T>): Promise<Answer<T>> {
    const current = this.begin();
    try {
      const value = await load();
      return current() ? { kind: "value", value } : { kind: "stale" };
    } catch (e) {
      return current() ? { kind: "error", error: toIpcError(e) } : { kind: "stale" };
    }
  }
}

/**
 * Asking while the user types, without waiting for a pause: the first change asks at once;
 * changes that come while an answer is awaited only note that there is something newer, and
 * when the answer comes the newest state is asked for. One request at a time, never a queue
 * of texts nobody wants any more; each answer is drawn as it comes (so typing shows
 * progress), and the last one always answers the last change.
 */
export class OneAtATime {
  #running = false;
  #again = false;
  readonly #ask: () => Promise<void>;

  constructor(ask: () => Promise<void>) {
    this.#ask = ask;
  }

  /** Asks now, or as soon as the answer being awaited has come. */
  request(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    void this.#loop();
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      do {
        this.#again = false;
        try {
          await this.#ask();
        } catch {
          // The asker shows its own errors; the next change still asks.
        }
      } while (this.#again);
    } finally {
      this.#running = false;
    }
  }
}
