// Turns whatever a command rejected with into an `IpcError`, and picks the sentence to show.
import type { FieldProblem, IpcError } from "./bindings";
import { t, type MessageKey } from "./i18n/index.svelte";
import { en } from "./i18n/en";

export function toIpcError(e: unknown): IpcError {
  if (typeof e === "object" && e !== null && "code" in e && "message" in e) {
    const o = e as Record<string, unknown>;
    return {
      code: String(o.code),
      message: String(o.message),
      rebuildable: o.rebuildable === true,
      retryAfter: typeof o.retryAfter === "number" ? o.retryAfter : null,
    };
  }
  // Tauri itself rejects with a plain string (unknown command, denied permission).
  return { code: "internal", message: String(e), rebuildable: false, retryAfter: null };
}

/** The catalogue key of the human sentence for an error code. */
export function errorMessageKey(code: string): MessageKey {
  const key = `error.${code}`;
  return key in en ? (key as MessageKey) : "error.unknown";
}

/** The default of an exhaustive `switch` over a tagged union: a new variant is a type error. */
export function unreachable(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}

/** The sentence for a problem with one field of a form (`problem.<code>`, with the other
 *  resource's name or the allowed range where the problem names one). */
export function problemSentence(p: FieldProblem): string {
  const key = `problem.${p.code}`;
  return key in en ? t(key as MessageKey, { other: p.other ?? "" }) : t("problem.fallback");
}
