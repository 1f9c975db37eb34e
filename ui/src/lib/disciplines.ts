// Names and labels for the Disciplines screens.
import type { DisciplineName, Language } from "./bindings";
import type { MessageKey } from "./i18n/index.svelte";
import { en } from "./i18n/en";

export const kinds = ["database", "journal", "ebooks", "guide", "software", "open_access"] as const;
export const accesses = ["open", "campus", "on_site"] as const;

/** A discipline's (or library's) name in the reader's language. */
export function nameOf(n: DisciplineName, language: Language): string {
  return language === "zh-Hans" && n.nameZh ? n.nameZh : n.name;
}

/** The catalogue key for a resource type or access code, when there is one. */
export function resourceKey(group: "kind" | "access", code: string): MessageKey | null {
  const key = `${group}.${code}`;
  return key in en ? (key as MessageKey) : null;
}

/** The letter a name is listed under in the A–Z: A–Z, or "#" for anything else. */
export function letterOf(name: string): string {
  const first = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .trim()
    .charAt(0)
    .toUpperCase();
  return first >= "A" && first <= "Z" ? first : "#";
}
