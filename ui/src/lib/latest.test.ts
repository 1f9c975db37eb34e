import { describe, expect, it } from "vitest";
import { Latest } from "./latest";

function later<T>(value: T, ms: number, fail = false): Promise<T> {
  return new Promise((resolve, reject) =>
    setTimeout(() => (fail ? reject({ code: "internal", message: String(value) }) : resolve(value)), ms),
  );
}

describe("Latest", () => {
  it("draws only the latest answer, whatever order they arrive in", async () => {
    const latest = new Latest();
    const slow = latest.run(() => later("every subject", 30));
    const fast = latest.run(() => later("history", 5));
    expect(await fast).toEqual({ kind: "value", value: "history" });
    expect(await slow).toEqual({ kind: "stale" });
  });

  it("an error is the latest answer's error, and a stale error is dropped", async () => {
    const latest = new Latest();
    const first = latest.run(() => later("old", 20, true));
    const second = latest.run(() => later("new", 5, true));
    expect(await second).toEqual({ kind: "error", error: { code: "internal", message: "new", rebuildable: false, retryAfter: null } });
    expect(await first).toEqual({ kind: "stale" });
  });

  it("begin() tells a request whether it is still the latest", () => {
    const latest = new Latest();
    const a = latest.begin();
    expect(a()).toBe(true);
    const b = latest.begin();
    expect([a(), b()]).toEqual([false, true]);
  });
});
