// Human names for the codes records carry: formats, languages, holding statuses.
import type { Language } from "./bindings";
import type { MessageKey } from "./i18n/index.svelte";
import { en } from "./i18n/en";

/** MARC (ISO 639-2/B) codes whose ISO 639-1 code differs in more than case. */
const MARC_TO_BCP47: Record<string, string> = {
  eng: "en", chi: "zh", ger: "de", fre: "fr", spa: "es", ita: "it", jpn: "ja", kor: "ko",
  rus: "ru", por: "pt", ara: "ar", dut: "nl", swe: "sv", pol: "pl", lat: "la", gre: "el",
  heb: "he", hin: "hi", tur: "tr", cze: "cs", dan: "da", fin: "fi", nor: "no", hun: "hu",
};

/** Language names already looked up, per language of the screen (a few dozen at most). */
const names = new Map<string, string>();

export function languageName(code: string, language: Language): string {
  if (code === "und" || !code) return "—";
  const key = `${language}/${code}`;
  const known = names.get(key);
  if (known !== undefined) return known;
  const tag = MARC_TO_BCP47[code] ?? code;
  let name = code;
  try {
    name = new Intl.DisplayNames([language], { type: "language" }).of(tag) ?? code;
  } catch {
    // not a language tag Intl knows: the code itself
  }
  if (names.size < 1000) names.set(key, name);
  return name;
}

/**
 * The BCP 47 tag of a record's MARC language code, for its title's `lang` attribute (so a
 * screen reader reads a Chinese title in Chinese on an English screen); undefined when the
 * record does not say.
 */
export function recordLang(code: string): string | undefined {
  if (!code || code === "und" || code === "mul" || code === "zxx") return undefined;
  return MARC_TO_BCP47[code] ?? (/^[a-z]{2,3}$/.test(code) ? code : undefined);
}

/** The catalogue key for a code in a group (`format.book`), when the catalogue has one. */
export function codeKey(group: "format" | "status", code: string): MessageKey | null {
  const key = `${group}.${code}`;
  return key in en ? (key as MessageKey) : null;
}
