import { describe, expect, it } from "vitest";
import { findInItems } from "./find";

/** Matches in one line of text, as [start, end) pairs. */
const findAll = (text: string, query: string) => findInItems([text], query).map((parts) => [parts[0]!.start, parts.at(-1)!.end]);

describe("find in document text", () => {
  it("ignores case, diacritics and ligatures, and reports original positions", () => {
    expect(findAll("Data and DATA and data", "data")).toEqual([[0, 4], [9, 13], [18, 22]]);
    expect(findAll("Café crème", "cafe")).toEqual([[0, 4]]);
    const lig = "an eﬃcient ﬁle";
    const found = findAll(lig, "efficient");
    expect(found.map(([s, e]) => lig.slice(s, e))).toEqual(["eﬃcient"]);
    expect(findAll("nothing here", "absent")).toEqual([]);
    expect(findAll("text", "   ")).toEqual([]);
    expect(findAll("研究数据管理", "数据")).toEqual([[2, 4]]);
  });
});

describe("find across the lines of a page", () => {
  it("finds a phrase that runs into the next line, and words broken by a hyphen", () => {
    const items = ["Book a consultation with the data", "librarian before the deadline.", "Infor-", "mation literacy"];
    const phrase = findInItems(items, "data librarian");
    expect(phrase).toEqual([[{ item: 0, start: 29, end: 33 }, { item: 1, start: 0, end: 9 }]]);
    const word = findInItems(items, "information");
    expect(word).toEqual([[{ item: 2, start: 0, end: 5 }, { item: 3, start: 0, end: 6 }]]);
    // Within one line, as before; runs of spaces count as one.
    expect(findInItems(["a  b   c"], "b c")).toEqual([[{ item: 0, start: 3, end: 8 }]]);
    expect(findInItems(items, "absent")).toEqual([]);
    expect(findInItems([], "x")).toEqual([]);
  });
});
