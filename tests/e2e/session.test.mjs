// A librarian's session at a public workstation: looking around does not keep it going
// (only her own actions and "Stay signed in" do), repeated wrong passwords make the next
// attempt wait and say how long, signing out ends it, and the window never leaves the app.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dataDir, launch, screenshot } from "./harness.mjs";

test("page changes do not extend a librarian's session; guessing is throttled", async () => {
  const dir = dataDir("session");
  const app = await launch(dir);
  try {
    const s = app.session;
    const type = async (css, text) => s.cmd("POST", `/element/${await s.find(css)}/value`, { text });
    const clear = async (css) => s.cmd("POST", `/element/${await s.find(css)}/clear`, {});
    const left = async () => Number(await s.execute("return document.querySelector('[data-testid=\"session\"]')?.dataset.expiresIn ?? 'NaN'"));
    await s.waitFor("the home screen", () => s.textOf(".home h1"));

    // A page that sets window.location to the web stays the app.
    const origin = await s.execute("return location.origin");
    await s.execute("window.location.href = 'https://example.org/'; return null");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await s.execute("return location.origin"), origin);
    assert.ok(await s.execute("return !!document.querySelector('.topbar')"), "the app is still shown");

    await s.click(await s.find('a.sidebar-footer[href="#/librarian"]'));
    await type("#lib-username", "librarian");
    await type("#lib-password", "meridian-demo");
    await s.click(await s.find('.sign-in button[type="submit"]'));
    await s.waitFor("signed in", () => s.textOf('[data-testid="session"]'));
    const first = await s.waitFor("the time left", async () => ((await left()) > 0 ? left() : null));
    assert.ok(first > 29 * 60 && first <= 30 * 60, `${first} s left`);

    // Someone clicks through the screens for a few seconds: the time left only goes down.
    for (const route of ["catalogue", "disciplines", "documents", "consultations", "home"]) {
      await s.click(await s.find(`nav a[data-route="${route}"]`));
      await new Promise((r) => setTimeout(r, 800));
    }
    const later = await left();
    assert.ok(later <= first - 3, `${first} s, then ${later} s: page changes must not extend the session`);

    await s.click(await s.find('[data-testid="session"] button'));
    await s.waitFor("signed out", async () => !(await s.execute("return !!document.querySelector('[data-testid=\"session\"]')")));

    // Five wrong passwords for one name, then even the right one waits, and the wait is said.
    await s.click(await s.find('a.sidebar-footer[href="#/librarian"]'));
    for (let i = 0; i < 5; i++) {
      await clear("#lib-username");
      await type("#lib-username", "librarian");
      await clear("#lib-password");
      await type("#lib-password", `wrong password ${i}`);
      await s.click(await s.find('.sign-in button[type="submit"]'));
      // A refused attempt empties the password field.
      await s.waitFor(`refusal ${i + 1}`, async () => (await s.execute("return document.getElementById('lib-password').value")) === "");
      assert.equal(await s.execute("return document.querySelector('#sign-in-error')?.dataset.errorCode"), "wrong_credentials");
    }
    await clear("#lib-username");
    await type("#lib-username", "librarian");
    await clear("#lib-password");
    await type("#lib-password", "meridian-demo");
    await s.click(await s.find('.sign-in button[type="submit"]'));
    const held = await s.waitFor("the wait", async () => {
      const code = await s.execute("return document.querySelector('#sign-in-error')?.dataset.errorCode");
      return code === "sign_in_throttled" ? s.textOf("#sign-in-error") : null;
    });
    assert.match(held, /wait 1 min/);
    await screenshot(s, "session-throttled");
  } finally {
    await app.stop({ cleanup: true });
  }
});
