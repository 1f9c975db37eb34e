import { describe, expect, it } from "vitest";
import { mine, remember, slotTime, timeOfDay, todayIn, zoneName } from "./consultations.svelte";

describe("consultation helpers", () => {
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
