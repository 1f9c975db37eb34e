import { describe, expect, it } from "vitest";
import { Latest, OneAtATime } from "./latest";

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

describe("OneAtATime", () => {
  it("asks at once, folds the changes made while waiting into one more request, and ends on the newest", async () => {
    let text = "";
    const asked: string[] = [];
    const one = new OneAtATime(async () => {
      asked.push(text);
      await later(null, 10);
    });
    for (const letter of "hist") {
      text += letter;
      one.request();
    }
    expect(asked).toEqual(["h"]);
    await later(null, 15);
    expect(asked).toEqual(["h", "hist"]);
    await later(null, 15);
    expect(asked).toEqual(["h", "hist"]);
    text += "o";
    one.request();
    expect(asked).toEqual(["h", "hist", "histo"]);
  });

  it("goes on asking after a request that failed", async () => {
    let calls = 0;
    const one = new OneAtATime(async () => {
      calls += 1;
      if (calls === 1) throw new Error("the cache is busy");
    });
    one.request();
    await later(null, 1);
    one.request();
    await later(null, 1);
    expect(calls).toBe(2);
  });
});
