import { describe, expect, it } from "vitest";
import { routeFromHash } from "./routes";

describe("routeFromHash", () => {
  const cases: [string, string][] = [
    ["", "home"],
    ["#", "home"],
    ["#/", "home"],
    ["#/catalogue", "catalogue"],
    ["#/disciplines/history", "disciplines"],
    ["#/documents?q=x", "documents"],
    ["#consultations", "consultations"],
    ["#/nonsense", "home"],
    ["#/<script>", "home"],
  ];
  for (const [hash, expected] of cases) {
    it(`${JSON.stringify(hash)} → ${expected}`, () => expect(routeFromHash(hash)).toBe(expected));
  }
});
