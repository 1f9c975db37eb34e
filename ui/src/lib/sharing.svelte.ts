// Resource sharing in the page: what the request form needs (member libraries, this
// workstation's own), and requests' states in words.
import { commands, type Language, type SharingContextView } from "./bindings";
import { t, type MessageKey } from "./i18n/index.svelte";
import { en } from "./i18n/en";

export const sharing = $state<{ context: SharingContextView | null }>({ context: null });

/** The form's context, read once per page (the member libraries change with a sync). */
export async function loadSharing(): Promise<SharingContextView | null> {
  try {
    sharing.context = await commands.getSharingContext();
  } catch {
    sharing.context = null;
  }
  return sharing.context;
}

/** A member library's name in the chosen language (its id when unknown). */
export function libraryName(id: string | null | undefined, language: Language): string {
  if (!id) return "";
  const m = sharing.context?.members.find((l) => l.id === id);
  if (!m) return id;
  return language === "zh-Hans" && m.nameZh ? m.nameZh : m.name;
}

function known(key: string): key is MessageKey {
  return key in en;
}

/** A request's state as a reader reads it: the supplier's status, and where the item is at
 *  the pickup desk once it is there. */
export function stateText(status: string, pickup: string): string {
  const s = `req.state.${status}`;
  const p = `req.stage.${pickup}`;
  const first = known(s) ? t(s) : status;
  const second = known(p) ? t(p) : "";
  return second ? `${first} · ${second}` : first;
}

/** A librarian's step as its button says it. */
export function stepText(step: string): string {
  const key = `req.step.${step}`;
  return known(key) ? t(key) : step;
}

/** One entry of a request's history. */
export function historyText(what: string, status: string, pickup: string, supplier: string | null, language: Language): string {
  if (what === "placed") return t("req.what.placed");
  if (what === "routed") return t("req.what.routed", { library: libraryName(supplier, language) });
  return stateText(status, pickup);
}

/** Steps that need a reason for the reader; steps that need a due date. */
export const needsReason = (step: string) => step === "Unfilled" || step === "RetryPossible";
export const needsDue = (step: string) => step === "Loaned";

/** The default due date of a loan shipped today: four weeks on, `YYYY-MM-DD`. */
export function defaultDue(now: Date = new Date()): string {
  const d = new Date(now.getTime() + 28 * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Filled of answered requests, as a percentage ("–" when none was answered). */
export function fillRate(filled: number, unfilled: number): string {
  const answered = filled + unfilled;
  return answered === 0 ? "–" : `${Math.round((filled / answered) * 100)}%`;
}

/** A median turnaround in hours under two days, else in days ("–" when unknown). */
export function turnaround(minutes: number | null, language: Language): string {
  if (minutes === null) return "–";
  const hours = minutes / 60;
  return hours < 48 ? t("req.stats.hours", { n: new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(hours) }) : t("req.stats.days", { n: new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(hours / 24) });
}
