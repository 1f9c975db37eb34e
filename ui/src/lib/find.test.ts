import { describe, expect, it } from "vitest";
import { findAll } from "./find";

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
