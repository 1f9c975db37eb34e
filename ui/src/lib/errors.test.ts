import { describe, expect, it } from "vitest";
import { errorMessageKey, toIpcError } from "./errors";

describe("errors", () => {
  it("keeps a command's IpcError", () => {
    expect(toIpcError({ code: "cache_corrupt", message: "damaged", rebuildable: true })).toEqual({
      code: "cache_corrupt",
      message: "damaged",
      rebuildable: true,
      retryAfter: null,
    });
  });

  it("wraps Tauri's plain-string rejections", () => {
    expect(toIpcError("command open_cache not allowed")).toEqual({
      code: "internal",
      message: "command open_cache not allowed",
      rebuildable: false,
      retryAfter: null,
    });
  });

  it("maps every code to a sentence, unknown codes to a generic one", () => {
    expect(errorMessageKey("cache_corrupt")).toBe("error.cache_corrupt");
    expect(errorMessageKey("disk_full")).toBe("error.disk_full");
    expect(errorMessageKey("something_new")).toBe("error.unknown");
    expect(errorMessageKey("title")).toBe("error.title"); // a known key, never a crash
  });
});
