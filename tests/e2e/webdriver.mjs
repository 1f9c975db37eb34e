// A minimal W3C WebDriver client over fetch: just what the end-to-end tests need.
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, capabilities, timeoutMs = 30000) {
    const value = await request(base, "POST", "/session", { capabilities }, timeoutMs);
    return new Session(base, value.sessionId);
  }

  /** What the driver and the app printed, for the message of a test that fails (set by the harness). */
  log = () => "";

  async cmd(method, path, body, timeoutMs) {
    try {
      return await request(this.base, method, `/session/${this.id}${path}`, body, timeoutMs);
    } catch (e) {
      if (e.name === "TimeoutError") throw new Error(`${e.message}\n${tail(this.log())}`);
      throw e;
    }
  }

  /**
   * The first element matching `css`, waiting up to `waitMs` for it to be drawn: a screen is
   * loaded when it is first shown, so it can appear a moment after the navigation that asked
   * for it, as it does for a person (WebDriver's implicit wait, kept out of `findAll` so that
   * an absent element is reported at once there).
   */
  async find(css, waitMs = 5000) {
    const until = Date.now() + waitMs;
    for (;;) {
      try {
        const value = await this.cmd("POST", "/element", { using: "css selector", value: css });
        return value[ELEMENT];
      } catch (e) {
        if (!String(e.message).includes("no such element") || Date.now() >= until) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async findAll(css) {
    const value = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return value.map((v) => v[ELEMENT]);
  }

  text(element) {
    return this.cmd("GET", `/element/${element}/text`);
  }

  attribute(element, name) {
    return this.cmd("GET", `/element/${element}/attribute/${name}`);
  }

  /**
   * Clicks the first element matching `css`, finding it again if the page redrew it between
   * finding and clicking (a list refreshed by a background update).
   */
  async clickOn(css, timeoutMs = 15000) {
    return this.waitFor(`a click on ${css}`, async () => {
      await this.click(await this.find(css));
      return true;
    }, timeoutMs);
  }

  click(element) {
    return this.cmd("POST", `/element/${element}/click`, {});
  }

  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /** Presses keys (WebDriver key codes, e.g. "\uE004" for Tab) on the focused element. */
  keys(...keys) {
    const actions = keys.flatMap((k) => [
      { type: "keyDown", value: k },
      { type: "keyUp", value: k },
    ]);
    return this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
  }

  /** Holds the keys down together, then lets them go: a chord such as Control+F. */
  chord(...keys) {
    const actions = [...keys.map((k) => ({ type: "keyDown", value: k })), ...keys.reverse().map((k) => ({ type: "keyUp", value: k }))];
    return this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
  }

  /**
   * Gives `css` focus and presses `key` on it: how the tests work controls on a zoomed page,
   * where WebDriver's clicks land beside their target.
   */
  async pressOn(css, key) {
    await this.waitFor(`focus on ${css}`, () =>
      this.execute("const e = document.querySelector(arguments[0]); e?.focus(); return e !== null && document.activeElement === e;", [css]));
    await this.keys(key);
  }

  /** Types text key by key into whatever has focus. */
  typeKeys(text) {
    return this.keys(...text);
  }

  /**
   * The window as drawn. WebKitGTK painting in software (Commons' default) answers a
   * screenshot after its next drawing update, and a page that has stopped changing has none:
   * until the answer comes, the root's opacity flips between 1 and 0.9999 (the same pixels)
   * every 50 ms, which keeps one coming.
   */
  async screenshot() {
    await this.execute(`window.__e2eRepaint ??= setInterval(() => {
      const style = document.documentElement.style;
      style.opacity = style.opacity ? "" : "0.9999";
    }, 50); return true;`);
    try {
      return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
    } finally {
      await this.execute(`clearInterval(window.__e2eRepaint); window.__e2eRepaint = undefined;
        document.documentElement.style.opacity = ""; return true;`).catch(() => {});
    }
  }

  async close() {
    try {
      await this.cmd("DELETE", "", undefined, 10000);
    } catch {
      // the app may already be gone
    }
  }

  /**
   * Visible text of the first element matching `css`, or null when there is none yet. Read in
   * one script so that an element replaced between finding and reading is never stale.
   */
  async textOf(css) {
    try {
      return await this.execute("const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : null;", [css]);
    } catch {
      return null;
    }
  }

  /** Waits until `check()` returns a truthy value and returns it. */
  async waitFor(what, check, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      try {
        last = await check();
        if (last) return last;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what} (last: ${last})\n${tail(this.log())}`);
  }
}

/** The end of a log, enough to tell what the app was doing. */
function tail(log) {
  return log ? `what the driver and the app printed last:\n${log.slice(-3000)}` : "";
}

/**
 * One WebDriver command. No command waits forever: a window that stopped answering fails the
 * test within a minute with what it printed, instead of holding the run until its time limit.
 */
async function request(base, method, path, body, timeoutMs = 60000) {
  let response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    if (e.name === "TimeoutError") {
      const error = new Error(`${method} ${path}: no answer from the WebDriver within ${timeoutMs / 1000} s`);
      error.name = "TimeoutError";
      throw error;
    }
    throw e;
  }
  const json = await response.json().catch(() => ({}));
  if (!response.ok || json.value?.error) {
    const v = json.value ?? {};
    throw new Error(`${method} ${path}: ${v.error ?? response.status} ${v.message ?? ""}`);
  }
  return json.value;
}
