import { describe, expect, it } from "vitest";
import { formatCount, formatDate, formatInstant, localTime } from "./format";

describe("formatting", () => {
  it("groups digits", () => {
    expect(formatCount(1234567, "en")).toBe("1,234,567");
    expect(formatCount(0, "zh-Hans")).toBe("0");
  });

  it("shows an instant and refuses garbage", () => {
    expect(formatInstant("2026-11-27T10:42:00Z", "en", "UTC")).toContain("2026");
    expect(formatInstant("2026-11-27T10:42:00Z", "en", "UTC")).toContain("10:42");
    expect(formatInstant("yesterday-ish", "en")).toBeNull();
  });

  it("writes calendar dates without shifting the day", () => {
    expect(formatDate("2026-11-09", "en")).toBe("Nov 9, 2026");
    expect(formatDate("2026-11-09", "zh-Hans")).toBe("2026年11月9日");
    expect(formatDate("soon", "en")).toBe("soon");
  });

  it("gives the wall-clock time in a library's zone, across DST", () => {
    const summer = new Date("2026-07-01T12:00:00Z");
    const winter = new Date("2026-12-01T12:00:00Z");
    expect(localTime(summer, "America/Chicago", "en")).toBe("7:00 AM");
    expect(localTime(winter, "America/Chicago", "en")).toBe("6:00 AM");
    expect(localTime(summer, "America/Phoenix", "en")).toBe("5:00 AM");
    expect(localTime(winter, "America/Phoenix", "en")).toBe("5:00 AM");
    expect(localTime(winter, "Not/AZone", "en")).toBe("Not/AZone");
  });
});
