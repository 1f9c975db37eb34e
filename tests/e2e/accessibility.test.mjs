// Every screen a student or a librarian sees, in English and in 简体中文, at the standard page
// size, at 200% (chosen in the top bar's display settings, as a student would) and in high
// contrast: axe-core's WCAG 2.1 A/AA rules on each (serious or critical fail, see harness.mjs),
// and at 150% and 200% no horizontal scrolling and nothing cut off at the window's 1280x800.
// Screenshots: tests/artifacts/a11y-VARIANT-SCREEN.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dataDir, launch, screenshot } from "./harness.mjs";

/** Elements reaching past the window's sides, outside any scroller of their own. */
const OVERFLOW = `
  const width = document.documentElement.clientWidth;
  const main = document.getElementById("content");
  const out = [];
  if (document.documentElement.scrollWidth > width + 1) out.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + width);
  if (main && main.scrollWidth > main.clientWidth + 1) out.push("the content scrolls sideways: " + main.scrollWidth + " > " + main.clientWidth);
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || (r.right <= width + 1 && r.left >= -1)) continue;
    if (el.closest(".visually-hidden, .skip, [hidden]")) continue;
    // A data table, a PDF page or a chart may scroll inside its own box (WCAG 1.4.10's
    // exception for content that needs two dimensions); the page itself may not.
    let p = el.parentElement, own = false;
    for (; p && p !== document.body && p !== main; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") { own = true; break; }
    }
    if (!own) out.push((el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "")) + " " + Math.round(r.left) + ".." + Math.round(r.right));
  }
  return out.slice(0, 10);`;

test("every screen passes axe-core in both languages, at 200% and in high contrast, and reflows", async () => {
  const dir = dataDir("a11y");
  const app = await launch(dir);
  try {
    const s = app.session;
    const type = async (css, text) => s.cmd("POST", `/element/${await s.find(css)}/value`, { text });
    const go = (hash) => s.execute("location.hash = arguments[0];", [hash]);
    const attr = (css, name) => s.execute("return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? null", [css, name]);
    await s.waitFor("the home screen", () => s.textOf(".home h1"));

    // What the screens need: a search with results and facets, a record in My list, ids.
    await go("#/catalogue");
    await type("#catalogue-q", "history");
    await s.waitFor("results", async () => (await attr("#results-heading", "data-answered")) === "history");
    const record = await attr(".hit[data-record]", "data-record");
    await go(`#/catalogue/record/${record}`);
    await s.clickOn("article.record .actions button.primary");
    await go("#/disciplines/a-z");
    const resource = await s.waitFor("a resource", () => attr('.resource-card a[href^="#/disciplines/resource/"]', "href"));
    await go("#/documents");
    const viewer = await s.waitFor("a document", () => attr('.document-list a[aria-label^="Open Questions at the Reference Desk"]', "href"));

    const ready = (css) => () => s.waitFor(css, () => s.find(css), 20000);
    const patronScreens = [
      ["home", "#/", ready(".home h1")],
      ["catalogue", "#/catalogue", async () => {
        await s.waitFor("results", () => s.find(".hits .hit"));
        assert.equal(await attr("#results-heading", "aria-live"), "polite", "the result count is announced");
        // A Chinese record's title says it is Chinese, whatever the screen's language.
        assert.equal(await s.execute("return [...document.querySelectorAll('.hit-title')].every((a) => a.lang !== '')"), true);
      }],
      ["record", `#/catalogue/record/${record}`, ready("article.record .holdings, article.record h1")],
      ["disciplines", "#/disciplines", ready('.discipline[data-discipline="history"]')],
      ["discipline", "#/disciplines/d/statistics", ready('article.discipline-page[data-discipline="statistics"]')],
      ["a-z", "#/disciplines/a-z", ready(".resource-card")],
      ["resource", resource, ready("main h1")],
      ["documents", "#/documents", ready(".document-list a")],
      ["viewer-find", `${viewer}?q=consultation`, async () => {
        await s.waitFor("hits found", async () => Number(await attr('[data-testid="hit-count"]', "data-total")) > 0, 30000);
        await s.waitFor("a page drawn", () => s.find(".pdf-page canvas"), 20000);
        assert.equal(await attr('[data-testid="hit-count"]', "aria-live"), "polite", "the hit count is announced");
        assert.ok(await attr('.viewer-toolbar', "aria-label"), "the toolbar is labelled");
      }],
      ["booking", "#/consultations", ready("[data-librarian] button.slot")],
      // A booking made (by keyboard: clicks miss on a zoomed page): the confirmation.
      ["confirmation", "#/consultations", async () => {
        await s.waitFor("a free time", () => s.find("[data-librarian] button.slot"));
        await s.pressOn("[data-librarian] button.slot", "\uE007");
        await s.waitFor("the booking form", () => s.find("#b-name"));
        for (const [css, text] of [["#b-name", "Ada Example"], ["#b-email", "ada@student.example"], ["#b-topic", "Sources"]]) {
          // Typed by script: WebDriver's typing needs the field on screen, which a zoomed page
          // may have scrolled away.
          await s.execute("const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', { bubbles: true }));", [css, text]);
        }
        await s.pressOn('.booking-form button[type="submit"]', "\uE007");
        await s.waitFor("the confirmation", () => s.find('[data-testid="booking-code"]'));
        await s.waitFor("focus on the confirmation", () => s.execute("return document.activeElement?.id === 'confirmation'"));
      }],
      ["sign-in", "#/librarian", ready("#lib-username")],
    ];
    const librarianScreens = [
      ["desk", "#/consultations/desk", ready('[data-testid="queue-heading"]')],
      ["types", "#/consultations/desk", async () => {
        await s.waitFor("the types", () => s.find('[data-testid="new-type"]'));
        await s.execute("document.querySelector('[data-testid=\"new-type\"]').scrollIntoView()");
      }],
      ["statistics", "#/consultations/stats", ready(".stats-counts")],
      ["usage", "#/usage", ready(".usage, main h1")],
      ["resource-form", "#/disciplines/edit/new", ready("main form")],
    ];

    // The language and display controls are worked by keyboard: WebDriver's clicks land
    // beside their target on a zoomed page.
    const press = (css, key) => s.pressOn(css, key);
    const setLanguage = async (lang) => {
      await press(`button[data-language="${lang}"]`, "\uE007");
      await s.waitFor(lang, async () => (await s.execute("return document.documentElement.lang")) === lang);
    };
    const setDisplay = async (zoom, contrast) => {
      await press('[data-testid="display-button"]', "\uE007");
      await press(`input[data-zoom="${zoom}"]`, " ");
      await s.waitFor(`the page at ${zoom}%`, async () => Math.abs((await s.execute("return window.innerWidth")) - (1280 * 100) / zoom) < 40);
      await press(`input[data-contrast="${contrast}"]`, " ");
      // Escape folds the panel and gives focus back to its button.
      await s.keys("\uE00C");
      await s.waitFor("the panel folded", () => s.execute("return document.querySelector('[data-testid=\"display-panel\"]') === null"));
      assert.equal(await s.execute("return document.activeElement?.dataset.testid"), "display-button");
      assert.equal(await s.execute("return document.documentElement.dataset.contrast ?? 'standard'"), contrast);
    };
    const variants = [
      { name: "en", lang: "en", zoom: 100, contrast: "standard" },
      { name: "zh", lang: "zh-Hans", zoom: 100, contrast: "standard" },
      { name: "zh-200", lang: "zh-Hans", zoom: 200, contrast: "standard" },
      { name: "en-200", lang: "en", zoom: 200, contrast: "standard" },
      { name: "en-150-high", lang: "en", zoom: 150, contrast: "high" },
    ];
    const visit = async (variant, screens) => {
      await setLanguage(variant.lang);
      await setDisplay(variant.zoom, variant.contrast);
      for (const [name, hash, until] of screens) {
        await go(hash);
        await until();
        // Focus went to the new screen: its heading, or the search box of a search screen
        // (or, once booked, the confirmation).
        await s.waitFor(`focus on ${name}'s heading`, () =>
          s.execute("const a = document.activeElement; return !!a?.closest('main') && (a.tagName === 'H1' || a.matches('input[type=search], #confirmation'));"));
        await screenshot(s, `a11y-${variant.name}-${name}`);
        if (variant.zoom > 100) {
          const overflow = await s.execute(OVERFLOW);
          assert.deepEqual(overflow, [], `${name} at ${variant.zoom}% (${variant.lang}) does not reflow`);
        }
      }
    };
    for (const v of variants) await visit(v, patronScreens);

    await setLanguage("en");
    await setDisplay(100, "standard");
    await go("#/librarian");
    await type("#lib-username", "librarian");
    await type("#lib-password", "meridian-demo");
    await press('.sign-in button[type="submit"]', "\uE007");
    await s.waitFor("signed in", () => s.textOf('[data-testid="session"]'));
    for (const v of variants) await visit(v, librarianScreens);
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("the system's large text and high-contrast theme are honoured from the start", async () => {
  const dir = dataDir("a11y-system");
  // GNOME's "Large text" and "High contrast" as WebKitGTK sees them.
  const app = await launch(dir, { GDK_DPI_SCALE: "2", GTK_THEME: "HighContrast" });
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    assert.equal(await s.execute("return window.innerWidth"), 640, "the page is drawn twice as large");
    assert.equal(await s.execute("return document.documentElement.dataset.contrast"), "high");
    await s.pressOn('[data-testid="display-button"]', "\uE007");
    assert.equal(await s.execute("return document.querySelector('input[data-contrast=\"high\"]').checked"), true);
    await s.keys("\uE00C");
    for (const [name, hash, css] of [
      ["home", "#/", ".home h1"],
      ["catalogue", "#/catalogue", "#results-heading[data-answered]"],
      ["booking", "#/consultations", "[data-librarian] button.slot"],
      ["documents", "#/documents", ".document-list a"],
    ]) {
      await s.execute("location.hash = arguments[0];", [hash]);
      await s.waitFor(name, () => s.find(css), 20000);
      await screenshot(s, `a11y-system-${name}`);
      assert.deepEqual(await s.execute(OVERFLOW), [], `${name} with the system's large text does not reflow`);
    }
  } finally {
    await app.stop({ cleanup: true });
  }
});
