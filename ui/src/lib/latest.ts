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
