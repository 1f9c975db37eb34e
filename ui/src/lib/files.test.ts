import { describe, expect, it } from "vitest";
import { base64 } from "./files";

describe("base64", () => {
  it("encodes like btoa, also past one chunk", () => {
    const small = new TextEncoder().encode("%PDF-1.4 scan");
    expect(base64(small.buffer)).toBe(btoa("%PDF-1.4 scan"));
    const large = new Uint8Array(0x8000 * 2 + 3).map((_, i) => i % 251);
    const decoded = Uint8Array.from(atob(base64(large.buffer)), (c) => c.charCodeAt(0));
    expect(decoded).toEqual(large);
  });
});
