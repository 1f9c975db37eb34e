import { describe, expect, it } from "vitest";
import { cancelDeadline, mine, remember, slotTime, timeOfDay, todayIn, zoneName } from "./consultations.svelte";

describe("consultation helpers", () => {
  it("says until when a booking can be cancelled online, and when it no longer can", () => {
    const now = new Date("2026-03-02T15:00:00Z");
    // A two-hour cutoff: a 18:00 booking until 16:00; a 16:30 one not any more.
    expect(cancelDeadline("2026-03-02T18:00:00Z", 120, now)).toBe("2026-03-02T16:00:00.000Z");
    expect(cancelDeadline("2026-03-02T17:00:00Z", 120, now)).toBe("2026-03-02T15:00:00.000Z");
    expect(cancelDeadline("2026-03-02T16:30:00Z", 120, now)).toBeNull();
    expect(cancelDeadline("2026-03-02T15:30:00Z", 0, now)).toBe("2026-03-02T15:30:00.000Z");
    expect(cancelDeadline("not a time", 60, now)).toBeNull();
  });

  it("shows times in the library's zone, not the workstation's", () => {
    // 16:00 UTC on 2 March 2026 is 10:00 in Chicago and 00:00 next day in Shanghai.
    expect(timeOfDay("2026-03-02T16:00:00Z", "America/Chicago", "en")).toBe("10:00 AM");
    expect(slotTime("2026-03-02T16:00:00Z", "Asia/Shanghai", "en")).toBe("Tue, Mar 3, 12:00 AM");
    expect(zoneName("America/Chicago", "en", new Date("2026-03-02T16:00:00Z"))).toBe("CST");
    expect(zoneName("America/Chicago", "en", new Date("2026-07-02T16:00:00Z"))).toBe("CDT");
    expect(todayIn("Asia/Shanghai", new Date("2026-03-02T16:30:00Z"))).toBe("2026-03-03");
    expect(zoneName("Not/AZone", "en")).toBe("Not/AZone");
  });
  it("remembers this session's codes once, newest first", () => {
    remember("AAAA-2222");
    remember("BBBB-3333");
    remember("AAAA-2222");
    expect(mine.codes).toEqual(["BBBB-3333", "AAAA-2222"]);
  });
});
