import { describe, expect, it } from "vitest";
import { IdleWatch } from "./patron.svelte";

describe("IdleWatch", () => {
  const minute = 60_000;
  it("counts down after the idle time, and any input starts it again", () => {
    const w = new IdleWatch(5, 0);
    expect(w.state(4 * minute)).toEqual({ kind: "active" });
    expect(w.state(5 * minute)).toEqual({ kind: "countdown", secondsLeft: 30 });
    expect(w.state(5 * minute + 29_500)).toEqual({ kind: "countdown", secondsLeft: 1 });
    w.input(5 * minute + 10_000);
    expect(w.state(5 * minute + 20_000)).toEqual({ kind: "active" });
    expect(w.state(10 * minute + 40_000)).toEqual({ kind: "expired" });
  });
});
