import { describe, expect, it } from "vitest";
import { lazy } from "./lazy";

const module = { default: (() => {}) as never };

describe("lazy", () => {
  it("loads once and then gives the module itself", async () => {
    let loads = 0;
    const screen = lazy(async () => {
      loads += 1;
      return module;
    });
    const first = screen();
    expect(first).toBeInstanceOf(Promise);
    expect(screen()).toBe(first);
    expect(await first).toBe(module);
    expect(screen()).toBe(module);
    expect(loads).toBe(1);
  });

  it("tries again after a load that failed", async () => {
    let loads = 0;
    const screen = lazy(async () => {
      loads += 1;
      if (loads === 1) throw new Error("chunk not loaded");
      return module;
    });
    await expect(screen()).rejects.toThrow("chunk not loaded");
    expect(await screen()).toBe(module);
    expect(loads).toBe(2);
  });
});
