import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { disciplineOf, SearchTally } from "./usage";

describe("SearchTally", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("counts a search once its results stayed, not each keystroke", () => {
    const seen: [string, number, string | null][] = [];
    const tally = new SearchTally((...a) => seen.push(a), 1000);
    for (const prefix of ["p", "ph", "pho", "phot", "photo"]) {
      tally.shown(prefix, 10, null);
      vi.advanceTimersByTime(125);
    }
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([["photo", 10, null]]);
    // Another page or sort of the same text is the same search.
    tally.shown(" Photo ", 10, null);
    vi.advanceTimersByTime(2000);
    expect(seen.length).toBe(1);
  });

  it("counts at once when the patron acts, and never twice", () => {
    const seen: string[] = [];
    const tally = new SearchTally((text) => seen.push(text), 1000);
    tally.shown("dark matter", 0, "physics");
    tally.flush();
    vi.advanceTimersByTime(5000);
    expect(seen).toEqual(["dark matter"]);
    tally.reset();
    tally.shown("dark matter", 0, null);
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual(["dark matter", "dark matter"]);
  });

  it("ignores an empty search", () => {
    const seen: string[] = [];
    const tally = new SearchTally((text) => seen.push(text), 10);
    tally.shown("   ", 100, null);
    vi.advanceTimersByTime(100);
    expect(seen).toEqual([]);
  });
});

describe("disciplineOf", () => {
  it("reads the discipline filter", () => {
    expect(disciplineOf(["format/book", "discipline/physics"])).toBe("physics");
    expect(disciplineOf(["subdiscipline/optics"])).toBe("optics");
    expect(disciplineOf([])).toBeNull();
  });
});
