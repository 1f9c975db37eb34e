// The home screen on the embedded demo consortium, the language switch, and that the
// choice of language survives a restart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir, launch, root, screenshot } from "./harness.mjs";

const demo = (name) => JSON.parse(readFileSync(join(root, "assets", "demo", name), "utf8"));
const catalogue = demo("catalogue.json");
// The Shanghai library's CNMARC catalogue: one record per ISO 2709 record terminator, one
// copy (905) each.
const cnmarc = [...readFileSync(join(root, "assets", "demo", "shanghai.cnmarc"))].filter((b) => b === 0x1d).length;
const consortium = demo("consortium.json");
const digits = (s) => Number(String(s).replace(/[^\d]/g, ""));

test("home screen shows the demo consortium, switches language and remembers it", async () => {
  const dir = dataDir("home");
  let app = await launch(dir);
  try {
    const s = app.session;
    const heading = await s.waitFor("the home heading", () => s.textOf("main h1.home, .home h1"));
    assert.equal(heading, consortium.name);
    assert.equal(await s.execute("return document.title"), "Commons");

    // Counts come from the cache, which was seeded from the demo files.
    const records = await s.textOf('[data-count="records"] .value');
    assert.equal(digits(records), catalogue.length + cnmarc);
    const items = catalogue.reduce((n, r) => n + r.holdings.length, 0) + cnmarc;
    assert.equal(digits(await s.textOf('[data-count="items"] .value')), items);
    const rows = await s.findAll("table.libraries tbody tr");
    assert.equal(rows.length, consortium.libraries.length);
    const refreshed = await s.textOf('[data-testid="refreshed"]');
    assert.match(refreshed, /Library data as of .*\d/);

    // Every navigation entry is a link that a keyboard reaches.
    const nav = await s.execute(
      "return [...document.querySelectorAll('nav ul a')].map(a => [a.textContent.trim(), a.getAttribute('href')])",
    );
    assert.deepEqual(
      nav.map(([t]) => t),
      ["Home", "Catalogue", "Disciplines", "Documents", "Consultations"],
    );
    // Below them, the way in for librarians.
    assert.equal(await s.textOf("nav a.sidebar-footer"), "Librarian sign-in");
    await screenshot(s, "home-en");

    // Switch to Chinese: every visible string changes, the consortium's name too.
    const englishText = await s.execute("return document.body.innerText");
    await s.click(await s.find('button[data-language="zh-Hans"]'));
    await s.waitFor("the Chinese heading", async () => (await s.textOf(".home h1")) === consortium.name_zh);
    const zhNav = await s.execute("return [...document.querySelectorAll('nav ul a')].map(a => a.textContent.trim())");
    assert.deepEqual(zhNav, ["首页", "联合目录", "学科导航", "全文文献", "咨询预约"]);
    assert.equal(await s.execute("return document.documentElement.lang"), "zh-Hans");
    const chineseText = await s.execute("return document.body.innerText");
    const englishLines = new Set(englishText.split("\n").map((l) => l.trim()).filter(Boolean));
    const leftovers = chineseText
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => englishLines.has(l) && /[A-Za-z]{3,}/.test(l));
    // What may stay: the product name and the "English" button.
    assert.deepEqual(leftovers.filter((l) => !["Commons", "English"].includes(l)), []);
    await screenshot(s, "home-zh");
  } finally {
    await app.stop();
  }

  // A new start on the same data: Chinese is remembered, and the cache is not seeded again.
  app = await launch(dir);
  try {
    const s = app.session;
    await s.waitFor("the remembered language", async () => (await s.textOf(".home h1")) === consortium.name_zh);
    assert.equal(await s.textOf('button[aria-pressed="true"]'), "简体中文");
    const log = readFileSync(
      join(dir, "state", "commons", "logs", (await import("node:fs")).readdirSync(join(dir, "state", "commons", "logs"))[0]),
      "utf8",
    );
    assert.equal((log.match(/migrating cache/g) ?? []).length, 1, "migrated once, on the first start only");
    await s.click(await s.find('button[data-language="en"]'));
    await s.waitFor("English again", async () => (await s.textOf(".home h1")) === consortium.name);
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("keyboard reaches the skip link and the navigation, Enter opens a screen", async () => {
  const dir = dataDir("keyboard");
  const app = await launch(dir);
  try {
    const s = app.session;
    await s.waitFor("the home heading", () => s.textOf(".home h1"));
    await s.execute("document.activeElement?.blur(); window.focus();");
    await s.keys("\uE004");
    assert.equal(await s.execute("return document.activeElement?.className"), "skip");
    // Tab on until the Catalogue link has focus, then press Enter.
    let focused = "";
    for (let i = 0; i < 10 && focused !== "catalogue"; i++) {
      await s.keys("\uE004");
      focused = await s.execute("return document.activeElement?.dataset?.route ?? ''");
    }
    assert.equal(focused, "catalogue");
    await s.keys("\uE007");
    await s.waitFor("the Catalogue screen", async () => (await s.textOf("main h1")) === "Catalogue");
    assert.equal(
      await s.execute("return document.querySelector('nav a[aria-current=page]')?.dataset.route"),
      "catalogue",
    );
    await screenshot(s, "catalogue-not-yet");
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("a production workstation starts with none of the demo", async () => {
  const dir = dataDir("production");
  const app = await launch(dir, { COMMONS_MODE: "production" });
  try {
    const s = app.session;
    const heading = await s.waitFor("the home heading", () => s.textOf(".home h1"));
    assert.equal(heading, "Commons");
    assert.equal(digits(await s.textOf('[data-count="records"] .value')), 0);
    assert.equal(digits(await s.textOf('[data-count="librarians"] .value')), 0);
    assert.match(await s.textOf('.home .pill'), /This library's data/);
    assert.ok(!(await s.execute("return document.body.innerText")).includes(consortium.name));
    // No empty table: a sentence says how libraries arrive.
    assert.match(await s.textOf('[data-testid="no-libraries"]'), /No member libraries yet/);
    assert.equal(await s.execute("return document.querySelector('.home table.libraries')"), null);
    await screenshot(s, "home-production");
  } finally {
    await app.stop({ cleanup: true });
  }
});
