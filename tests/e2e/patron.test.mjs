// One student follows another at the same public workstation. Student A searches, keeps a
// record in My list, exports it, books a consultation (its code on screen) and switches the
// language; "Finish and clear" leaves student B a window with none of A's traces: not in the
// page, not in the files A saved, not in localStorage, not in the log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir, launch, screenshot } from "./harness.mjs";

test("Finish and clear leaves the next student nothing of the previous one", async () => {
  const dir = dataDir("patron");
  const downloads = join(dir, "downloads");
  const app = await launch(dir, { XDG_DOWNLOAD_DIR: downloads });
  try {
    const s = app.session;
    const type = async (css, text) => s.cmd("POST", `/element/${await s.find(css)}/value`, { text });
    await s.waitFor("the home screen", () => s.textOf(".home h1"));

    // Student A: a search, a record kept and exported.
    await s.click(await s.find('nav a[data-route="catalogue"]'));
    await type("#catalogue-q", "epistem");
    await s.waitFor("results", async () => (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) === "epistem");
    await s.click(await s.find(".hit-title"));
    await s.waitFor("the record page", () => s.textOf("article.record h1"));
    const title = await s.execute("return document.querySelector('article.record h1').firstChild.textContent.trim()");
    await s.click(await s.find("article.record .actions button.primary"));
    await s.click(await s.find('button[data-export="ris"]'));
    await s.waitFor("the export notice", () => s.textOf('[data-testid="export-notice"] p'));
    await s.waitFor("the file listed", () => s.textOf('[data-testid="session-files"] li'));
    assert.equal(readdirSync(downloads).filter((f) => f.endsWith(".ris")).length, 1);

    // A consultation booked: its code is on screen.
    await s.click(await s.find('nav a[data-route="consultations"]'));
    const slot = await s.waitFor("a free time", () => s.find('[data-librarian="lib-okafor"] button.slot'));
    await s.click(slot);
    await s.waitFor("the booking form", () => s.find("#b-name"));
    await type("#b-name", "Ingrid Example-Student");
    await type("#b-email", "ingrid@student.example");
    await s.cmd("POST", `/element/${await s.find("#b-topic")}/clear`, {});
    await type("#b-topic", "Sources for an essay on knowledge");
    await s.click(await s.find('.booking-form button[type="submit"]'));
    const code = await s.waitFor("the code", () => s.textOf('[data-testid="booking-code"]'));
    assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await s.click(await s.find('button[data-language="zh-Hans"]'));
    await s.waitFor("Chinese", async () => (await s.execute("return document.documentElement.lang")) === "zh-Hans");
    // A notice still on screen speaks the language chosen after it appeared.
    await s.waitFor("the export notice in Chinese", async () =>
      /^已将 1 条记录保存到 .*\.ris$/.test((await s.textOf('[data-testid="export-notice"] p')) ?? ""));
    // The largest page size and high contrast, chosen in the display settings.
    await s.pressOn('[data-testid="display-button"]', "\uE007");
    await s.pressOn('input[data-zoom="200"]', " ");
    await s.waitFor("the page at 200%", async () => (await s.execute("return window.innerWidth")) <= 660);
    await s.pressOn('input[data-contrast="high"]', " ");
    await s.keys("\uE00C");
    await s.waitFor("the display panel folded", () => s.execute("return document.querySelector('[data-testid=\"display-panel\"]') === null"));
    assert.equal(await s.execute("return document.documentElement.dataset.contrast"), "high");
    await screenshot(s, "patron-before-clear");

    // Finish and clear.
    await s.pressOn('[data-testid="finish-session"]', "\uE007");
    await s.waitFor("Home again, in English", async () =>
      (await s.execute("return location.hash === '#/' && document.documentElement.lang === 'en' && !!document.querySelector('.home h1')")));
    // The page starts afresh; let it settle, then look at everything it shows.
    await s.waitFor("the overview", () => s.textOf(".home h1"));
    const everything = await s.execute("return document.documentElement.outerHTML");
    for (const trace of ["epistem", title, "Ingrid", "ingrid@student.example", "Sources for an essay", code, code.replace("-", ""), ".ris", "My list: 1"]) {
      assert.ok(!everything.includes(trace), `"${trace}" is still in the page`);
    }
    assert.equal(await s.execute("return localStorage.length + sessionStorage.length"), 0);
    // The next student starts at the standard size and contrast.
    assert.equal(await s.execute("return window.innerWidth"), 1280);
    assert.equal(await s.execute("return document.documentElement.dataset.contrast ?? 'standard'"), "standard");
    assert.equal(readdirSync(downloads).filter((f) => f.endsWith(".ris") || f.endsWith(".ics")).length, 0);
    await screenshot(s, "patron-after-clear");

    // The log has the booking, not its code.
    const logs = join(dir, "state", "commons", "logs");
    assert.ok(existsSync(logs), "the app writes its log there");
    const log = readdirSync(logs).map((f) => readFileSync(join(logs, f), "utf8")).join("\n");
    assert.match(log, /consultation booked/);
    assert.ok(!log.includes(code) && !log.includes(code.replace("-", "")), "the code is in the log");
    assert.ok(!log.includes("ingrid"), "the student's email is in the log");
  } finally {
    await app.stop({ cleanup: true });
  }
});
