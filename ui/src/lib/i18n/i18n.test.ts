import { describe, expect, it } from "vitest";
import { catalogues, format, languages, message, say, setLanguage, t } from "./index.svelte";
import { en } from "./en";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

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
