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

/** Fills `{name}` placeholders; unknown placeholders are left visible rather than dropped. */
export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The message for `key` in the current language. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return format(catalogues[current.language][key], params);
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
