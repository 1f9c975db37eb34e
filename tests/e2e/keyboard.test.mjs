// Keyboard only, as a student or librarian without a mouse uses Commons: no clicks and no
// typing into elements, only keys pressed on whatever has focus. At every Tab the focused
// control shows a visible focus ring and is never behind the countdown; after each navigation
// focus is on the new screen's heading.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { dataDir, launch, screenshot } from "./harness.mjs";

const TAB = "\uE004";
const ENTER = "\uE007";
const SHIFT = "\uE008";
const CONTROL = "\uE009";
const SPACE = " ";
const END = "\uE010";
const BACKSPACE = "\uE003";

/** What has focus, and whether it shows it. */
const FOCUS = `
  const a = document.activeElement;
  if (!a || a === document.body) return { body: true };
  const cs = getComputedStyle(a);
  return {
    match: a.matches(arguments[0]),
    ring: cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2,
    inert: a.closest("[inert]") !== null,
    what: a.outerHTML.slice(0, 160),
  };`;

/** Presses Tab (Shift+Tab with `back`) until `css` has focus, checking each stop on the way. */
async function tabTo(s, css, { back = false, max = 250 } = {}) {
  for (let i = 0; i < max; i++) {
    await (back ? s.chord(SHIFT, TAB) : s.keys(TAB));
    const f = await s.execute(FOCUS, [css]);
    if (f.body) continue; // past the last control, before the first
    assert.ok(f.ring, `no visible focus on ${f.what}`);
    assert.ok(!f.inert, `focus behind a dialog: ${f.what}`);
    if (f.match) return;
  }
  throw new Error(`${max} presses of Tab never reached ${css}`);
}

const focused = (s, css) => s.execute("return document.activeElement?.matches(arguments[0]) ?? false", [css]);
const attr = (s, css, name) => s.execute("return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? null", [css, name]);
const headingFocused = (s, what) => s.waitFor(`focus on the heading of ${what}`, () => focused(s, "main h1"));

test("keyboard only: search, facet, record and export; a document's page and hits; book and cancel", async () => {
  const dir = dataDir("keyboard-student");
  const downloads = join(dir, "downloads");
  const app = await launch(dir, { XDG_DOWNLOAD_DIR: downloads });
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.execute("document.activeElement?.blur(); window.focus();");

    // The catalogue: search, a facet on and off, a record, its citation.
    await tabTo(s, 'nav a[data-route="catalogue"]');
    await s.keys(ENTER);
    // A search screen puts focus in its search box, labelled, ready for typing.
    await s.waitFor("focus in the search box", () => focused(s, "#catalogue-q"));
    await s.typeKeys("history");
    await s.waitFor("results", async () => (await attr(s, "#results-heading", "data-answered")) === "history");
    assert.equal(await attr(s, "#results-heading", "aria-live"), "polite", "the result count is announced");
    const all = Number(await attr(s, "#results-heading", "data-total"));
    await tabTo(s, 'input[data-filter="format/book"]');
    await s.keys(SPACE);
    await s.waitFor("books only", async () => Number(await attr(s, "#results-heading", "data-total")) < all);
    assert.ok(await focused(s, 'input[data-filter="format/book"]'), "focus stays on the facet");
    await s.keys(SPACE);
    await s.waitFor("the facet removed", async () => Number(await attr(s, "#results-heading", "data-total")) === all);
    await tabTo(s, ".hit-title");
    await s.keys(ENTER);
    await s.waitFor("the record", () => s.find("article.record h1"));
    await headingFocused(s, "the record");
    await tabTo(s, 'button[data-export="ris"]');
    await s.keys(ENTER);
    await s.waitFor("the export notice", () => s.textOf('[data-testid="export-notice"] p'));
    await s.waitFor("the RIS file", () => readdirSync(downloads).some((f) => f.endsWith(".ris")));
    await screenshot(s, "keyboard-record-exported");

    // A document: page 3 through the page box, find a word, step through its hits.
    await tabTo(s, 'nav a[data-route="documents"]', { back: true });
    await s.keys(ENTER);
    await headingFocused(s, "documents");
    await tabTo(s, '.document-list a[aria-label^="Open Questions at the Reference Desk"]');
    await s.keys(ENTER);
    await s.waitFor("the document open", async () => Number(await attr(s, ".viewer", "data-pages")) === 6 && (await attr(s, ".viewer", "data-ready")) === "true", 30000);
    await headingFocused(s, "the viewer");
    await tabTo(s, '[data-testid="page-input"]');
    await s.keys(END, BACKSPACE, BACKSPACE, BACKSPACE, "3");
    await s.keys(ENTER);
    await s.waitFor("page 3", async () => (await attr(s, ".viewer", "data-current-page")) === "3");
    await s.chord(CONTROL, "f");
    assert.ok(await focused(s, '[data-testid="find-input"]'), "Control+F goes to the find box");
    await s.typeKeys("consultation");
    const total = await s.waitFor("hits", async () => {
      const n = Number(await attr(s, '[data-testid="hit-count"]', "data-total"));
      return n > 1 ? n : null;
    });
    const index = async () => Number(await attr(s, '[data-testid="hit-count"]', "data-index"));
    const first = await s.waitFor("a hit selected", async () => ((await index()) >= 0 ? String(await index()) : null));
    await s.keys(ENTER);
    await s.waitFor("the next hit", async () => String(await index()) !== first);
    await s.chord(SHIFT, ENTER);
    await s.waitFor("back to the first hit", async () => String(await index()) === first);
    assert.ok(total > 1);
    await screenshot(s, "keyboard-viewer-find");

    // A consultation booked and cancelled.
    await tabTo(s, 'nav a[data-route="consultations"]', { back: true });
    await s.keys(ENTER);
    await headingFocused(s, "consultations");
    await s.waitFor("free times", () => s.find('[data-librarian="lib-okafor"] button.slot'));
    // A time far enough ahead to be cancelled: the consultation's cancellation cutoff (two
    // hours) is longer than its notice (one), so the first free time may not be.
    const later = await s.execute(
      `return [...document.querySelectorAll('[data-librarian="lib-okafor"] button.slot')]
        .map((b) => b.dataset.slot).find((t) => Date.parse(t) > Date.now() + 3 * 3600 * 1000) ?? null`,
    );
    assert.ok(later, "a free time at least three hours ahead");
    await tabTo(s, `[data-librarian="lib-okafor"] button.slot[data-slot="${later}"]`);
    await s.keys(ENTER);
    await s.waitFor("the booking form, focused", () => focused(s, "#booking-heading"));
    await tabTo(s, "#b-name");
    await s.typeKeys("Ada Keyboard");
    await tabTo(s, "#b-email");
    await s.typeKeys("not-an-email");
    await tabTo(s, "#b-topic");
    await s.typeKeys("Finding primary sources");
    await s.keys(ENTER);
    // A mistake: focus goes to the field, which says what is wrong.
    await s.waitFor("focus on the email field", () => focused(s, '#b-email[aria-invalid="true"]'));
    assert.ok(await attr(s, "#b-email", "aria-describedby"));
    await s.keys(END, ...Array(12).fill(BACKSPACE));
    await s.typeKeys("ada@student.example");
    await s.keys(ENTER);
    const code = await s.waitFor("the booking code", () => s.textOf('[data-testid="booking-code"]'));
    await s.waitFor("focus on the confirmation", () => focused(s, "#confirmation"));
    await tabTo(s, `[data-booking="${code}"] [data-testid="cancel-mine"]`);
    await s.keys(ENTER);
    await s.waitFor("cancelled", async () => (await attr(s, `[data-booking="${code}"]`, "data-status")) === "cancelled");
    await s.waitFor("focus on the answer", () => focused(s, "#cancel-done"));
    await screenshot(s, "keyboard-booking-cancelled");
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("keyboard only: a librarian signs in, checks a student in and completes the consultation", async () => {
  const dir = dataDir("keyboard-librarian");
  const app = await launch(dir);
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.execute("document.activeElement?.blur(); window.focus();");

    // A student's booking with Dr Okafor, by keyboard.
    await tabTo(s, 'nav a[data-route="consultations"]');
    await s.keys(ENTER);
    await s.waitFor("free times", () => s.find('[data-librarian="lib-okafor"] button.slot'));
    // A time far enough ahead to be cancelled: the consultation's cancellation cutoff (two
    // hours) is longer than its notice (one), so the first free time may not be.
    const later = await s.execute(
      `return [...document.querySelectorAll('[data-librarian="lib-okafor"] button.slot')]
        .map((b) => b.dataset.slot).find((t) => Date.parse(t) > Date.now() + 3 * 3600 * 1000) ?? null`,
    );
    assert.ok(later, "a free time at least three hours ahead");
    await tabTo(s, `[data-librarian="lib-okafor"] button.slot[data-slot="${later}"]`);
    const starts = await s.execute("return document.activeElement.dataset.slot");
    await s.keys(ENTER);
    await s.waitFor("the booking form", () => focused(s, "#booking-heading"));
    await tabTo(s, "#b-name");
    await s.typeKeys("Ben Student");
    await tabTo(s, "#b-email");
    await s.typeKeys("ben@student.example");
    await tabTo(s, "#b-topic");
    await s.typeKeys("Citation managers");
    await s.keys(ENTER);
    const code = await s.waitFor("the booking code", () => s.textOf('[data-testid="booking-code"]'));

    // The librarian signs in.
    await tabTo(s, "a.sidebar-footer", { back: true });
    await s.keys(ENTER);
    await headingFocused(s, "sign-in");
    await tabTo(s, "#lib-username");
    await s.typeKeys("librarian");
    await tabTo(s, "#lib-password");
    await s.typeKeys("meridian-demo");
    await s.keys(ENTER);
    await s.waitFor("signed in", () => s.textOf('[data-testid="session"]'));

    // Her desk, on the day of the booking (Next day, by keyboard).
    await tabTo(s, 'nav a[data-route="consultations"]', { back: true });
    await s.keys(ENTER);
    await headingFocused(s, "consultations");
    await tabTo(s, '.tabs a[data-tab="desk"]');
    await s.keys(ENTER);
    await s.waitFor("the desk", () => s.find('[data-testid="queue-heading"]'));
    const zone = await s.execute("return document.querySelector('[data-testid=\"queue-heading\"]').dataset.timeZone ?? 'America/Chicago'");
    const day = await s.execute(
      `const p = new Intl.DateTimeFormat('en-US', { timeZone: arguments[1], year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(arguments[0]));
       const get = (t) => p.find((x) => x.type === t).value;
       return get('year') + '-' + get('month') + '-' + get('day');`,
      [starts, zone],
    );
    await tabTo(s, '[data-testid="next-day"]');
    for (let i = 0; i < 14; i++) {
      const shown = await attr(s, '[data-testid="queue-heading"]', "data-date");
      if (shown === day) break;
      await s.keys(ENTER);
      await s.waitFor("the next day", async () => (await attr(s, '[data-testid="queue-heading"]', "data-date")) !== shown);
    }
    assert.equal(await attr(s, '[data-testid="queue-heading"]', "data-date"), day);
    const row = `tr[data-booking="${code}"]`;
    await s.waitFor("the booking in the queue", () => s.find(row));
    await tabTo(s, `${row} [data-action="checkIn"]`);
    await s.keys(ENTER);
    await s.waitFor("checked in", async () => (await attr(s, row, "data-status")) === "checked_in");
    await s.waitFor("focus on the next action", () => focused(s, `${row} [data-action="complete"]`));
    await s.keys(ENTER);
    await s.waitFor("focus on the READ level", () => focused(s, '[data-testid="read-level"]'));
    await tabTo(s, '[data-testid="outcome"]');
    await s.typeKeys("Showed Zotero and the library's style guides.");
    await s.keys(ENTER);
    await s.waitFor("completed", async () => (await attr(s, row, "data-status")) === "completed");
    await s.waitFor("focus on the new status", () => focused(s, `${row} .status`));
    await screenshot(s, "keyboard-desk-completed");
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("the idle countdown takes focus, is announced, and one key keeps the session", async () => {
  const dir = dataDir("keyboard-idle");
  const app = await launch(dir, { COMMONS_KIOSK_IDLE_MINUTES: "1" });
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.execute("document.activeElement?.blur(); window.focus();");
    await tabTo(s, 'nav a[data-route="catalogue"]');
    await s.keys(ENTER);
    await s.waitFor("focus in the search box", () => focused(s, "#catalogue-q"));
    await s.typeKeys("ethics");
    for (const [lang, name] of [["en", "idle-countdown"], ["zh-Hans", "idle-countdown-zh"]]) {
      if (lang !== "en") {
        await tabTo(s, `button[data-language="${lang}"]`, { back: true });
        await s.keys(ENTER);
        await tabTo(s, "#catalogue-q");
      }
      // A minute without input: the countdown, with focus on "I'm still here" and the rest
      // of the window out of reach.
      await s.waitFor("the countdown", () => s.find('[data-testid="idle-countdown"]'), 90000);
      assert.ok(await focused(s, "#still-here"));
      assert.equal(await s.execute("return document.querySelector('.body').inert && document.querySelector('header.topbar').inert"), true);
      assert.equal(await attr(s, '[data-testid="idle-countdown"]', "role"), "alertdialog");
      await s.waitFor("the announcement", async () => /\d/.test((await s.textOf('[data-testid="idle-announcement"]')) ?? ""), 15000);
      await screenshot(s, name);
      // Tab stays in the dialog; any other key keeps the session and gives focus back.
      await s.keys(TAB);
      assert.ok(await s.execute("return document.activeElement.closest('.idle-dialog') !== null"), "Tab left the dialog");
      await s.keys("x");
      await s.waitFor("the countdown gone", async () => (await s.findAll('[data-testid="idle-countdown"]')).length === 0);
      await s.waitFor("focus back in the search box", () => focused(s, "#catalogue-q"));
      assert.equal(await s.execute("return document.getElementById('catalogue-q').value"), "ethics", "the session was kept");
    }
  } finally {
    await app.stop({ cleanup: true });
  }
});
