import { describe, expect, it } from "vitest";
import { letterOf, nameOf, resourceKey } from "./disciplines";
import { disciplineHref, resourceHref, subpath } from "./routes";

describe("disciplines helpers", () => {
  it("lists names under their first letter, diacritics folded", () => {
    expect(letterOf("arXiv")).toBe("A");
    expect(letterOf("Économie")).toBe("E");
    expect(letterOf(" JAMA")).toBe("J");
    expect(letterOf("中国知网")).toBe("#");
    expect(letterOf("3D Slicer")).toBe("#");
    expect(letterOf("")).toBe("#");
  });
  it("names disciplines in the reader's language", () => {
    const d = { id: "history", name: "History", nameZh: "历史" };
    expect(nameOf(d, "en")).toBe("History");
    expect(nameOf(d, "zh-Hans")).toBe("历史");
    expect(nameOf({ ...d, nameZh: "" }, "zh-Hans")).toBe("History");
  });
  it("knows resource types and access codes, and not others", () => {
    expect(resourceKey("kind", "software")).toBe("kind.software");
    expect(resourceKey("access", "on_site")).toBe("access.on_site");
    expect(resourceKey("kind", "toString")).toBeNull();
  });
  it("addresses round-trip through the hash", () => {
    expect(subpath(disciplineHref("world-history"))).toEqual(["d", "world-history"]);
    expect(subpath(resourceHref("res/odd id"))).toEqual(["resource", "res/odd id"]);
  });
});
