// The message catalogue in use and `t()`, which every visible string goes through.
import type { Language } from "../bindings";
import { en, type MessageKey } from "./en";
import { zhHans } from "./zh-Hans";

export type { MessageKey };

export const catalogues: Record<Language, Record<MessageKey, string>> = {
  en,
  "zh-Hans": zhHans,
};

export const languages: Language[] = ["en", "zh-Hans"];

const current = $state<{ language: Language }>({ language: "en" });

export function language(): Language {
  return current.language;
}

export function setLanguage(language: Language): void {
  current.language = language;
  if (typeof document !== "undefined") document.documentElement.lang = language;
}

/** `{name, plural, one {# record} other {# records}}`: ICU's plural form, without nesting. */
const PLURAL = /\{(\w+), plural,((?:\s*(?:=\d+|zero|one|two|few|many|other)\s*\{[^{}]*\})+)\s*\}/g;
const BRANCH = /(=\d+|\w+)\s*\{([^{}]*)\}/g;

/**
 * Fills `{name}` placeholders and chooses plural forms (`{n, plural, one {…} other {…}}`,
 * `#` standing for the value) by the language's rules; unknown placeholders are left visible
 * rather than dropped. A value may come already formatted ("1,234"): its digits choose.
 */
export function format(
  template: string,
  params: Record<string, string | number> = {},
  language: Language = "en",
): string {
  const plurals = template.replace(PLURAL, (whole, name: string, branches: string) => {
    if (!(name in params)) return whole;
    const value = params[name];
    const n = typeof value === "number" ? value : Number(String(value).replace(/[^\d.-]/g, ""));
    const forms = new Map([...branches.matchAll(BRANCH)].map((m) => [m[1], m[2]] as const));
    const form = forms.get(`=${n}`) ?? forms.get(new Intl.PluralRules(language).select(n)) ?? forms.get("other");
    return form === undefined ? whole : form.replace(/#/g, String(value));
  });
  return plurals.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The message for `key` in the current language. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return format(catalogues[current.language][key], params, current.language);
}

/**
 * A message kept as its key and values rather than as text, so that a notice still on screen
 * speaks the language chosen after it appeared.
 */
export interface Message {
  key: MessageKey;
  params?: Record<string, string | number>;
}

export function message(key: MessageKey, params?: Record<string, string | number>): Message {
  return { key, params };
}

/** A message's text in the current language. */
export function say(m: Message): string {
  return t(m.key, m.params);
}
