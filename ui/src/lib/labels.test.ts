import { describe, expect, it } from "vitest";
import { recordLang } from "./labels";

describe("recordLang()", () => {
  it("gives a record's title the BCP 47 tag of its MARC language", () => {
    expect(recordLang("chi")).toBe("zh");
    expect(recordLang("eng")).toBe("en");
    expect(recordLang("wel")).toBe("wel");
  });

  it("marks nothing when the record does not say, or says many", () => {
    for (const code of ["", "und", "mul", "zxx", "??", "1x2"]) expect(recordLang(code)).toBeUndefined();
  });
});
