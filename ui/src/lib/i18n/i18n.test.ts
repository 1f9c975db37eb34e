import { describe, expect, it } from "vitest";
import { catalogues, format, languages, message, say, setLanguage, t } from "./index.svelte";
import { en } from "./en";

// A value's name, whether it is filled in (`{n}`) or chooses a plural form (`{n, plural, …}`).
const placeholders = (s: string) => [...new Set([...s.matchAll(/\{(\w+)(?:\}|, plural,)/g)].map((m) => m[1]))].sort();

describe("message catalogues", () => {
  for (const language of languages) {
    const catalogue = catalogues[language];
    it(`${language} has every key of English and no other`, () => {
      expect(Object.keys(catalogue).sort()).toEqual(Object.keys(en).sort());
    });
    it(`${language} has no empty message and the same placeholders as English`, () => {
      for (const [key, english] of Object.entries(en)) {
        const message = catalogue[key as keyof typeof en];
        expect(message.trim(), key).not.toBe("");
        expect(placeholders(message), key).toEqual(placeholders(english));
      }
    });
  }

  it("Chinese is really translated, not English copied", () => {
    const copied = Object.entries(en).filter(
      ([key, english]) => catalogues["zh-Hans"][key as keyof typeof en] === english,
    );
    // Only the product name, the language names themselves and format names may stay.
    expect(copied.map(([k]) => k).sort()).toEqual([
      "app.name",
      "export.bibtex",
      "export.cslJson",
      "export.ris",
      "language.en",
      "language.zh-Hans",
    ]);
  });
});

describe("t()", () => {
  it("switches language and fills placeholders", () => {
    setLanguage("en");
    expect(t("home.refreshed", { time: "10:42" })).toBe("Library data as of 10:42");
    setLanguage("zh-Hans");
    expect(t("home.refreshed", { time: "10:42" })).toBe("图书馆数据更新于 10:42");
    setLanguage("en");
  });

  it("chooses plural forms by the language's rules", () => {
    setLanguage("en");
    expect(t("list.count", { count: 1 })).toBe("My list: 1 record");
    expect(t("list.count", { count: 0 })).toBe("My list: 0 records");
    expect(t("list.count", { count: 2 })).toBe("My list: 2 records");
    expect(t("catalogue.results", { from: 1, to: 1, total: "1" })).toBe("1–1 of 1 record");
    expect(t("catalogue.results", { from: 1, to: 20, total: "1,234" })).toBe("1–20 of 1,234 records");
    expect(t("catalogue.availability", { available: 0, copies: 1, libraries: 1 })).toBe(
      "0 of 1 copy on the shelf, 1 library",
    );
    expect(format("{n, plural, =0 {none} one {# item} other {# items}}", { n: 0 })).toBe("none");
    expect(format("{n, plural, one {# item} other {# items}}", {})).toBe("{n, plural, one {# item} other {# items}}");
    setLanguage("zh-Hans");
    expect(t("list.count", { count: 1 })).toBe("我的列表：1 条记录");
    setLanguage("en");
  });

  it("leaves unknown placeholders visible instead of dropping text", () => {
    expect(format("a {x} b {y}", { x: 1 })).toBe("a 1 b {y}");
    expect(format("no placeholders")).toBe("no placeholders");
  });
});

describe("notices", () => {
  it("speak the language chosen after they appeared", () => {
    setLanguage("en");
    const saved = message("export.saved", { count: 3, path: "/tmp/x.ris" });
    expect(say(saved)).toBe("Saved 3 records to /tmp/x.ris");
    setLanguage("zh-Hans");
    expect(say(saved)).toBe("已将 3 条记录保存到 /tmp/x.ris");
    setLanguage("en");
  });
});
