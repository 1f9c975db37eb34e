// The catalogue as a student uses it: type a query letter by letter, see results update,
// narrow by a facet, open a record, see its holdings, export it as RIS, keep it in My list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir, launch, runCli, screenshot, writeFile } from "./harness.mjs";

const total = async (s) => Number(await s.execute("return document.getElementById('results-heading')?.dataset.total ?? '-1'"));

test("search as you type, facet, record page with holdings, RIS export", async () => {
  const dir = dataDir("catalogue");
  const downloads = join(dir, "downloads");
  const app = await launch(dir, { XDG_DOWNLOAD_DIR: downloads });
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.click(await s.find('nav a[data-route="catalogue"]'));
    const input = await s.waitFor("the search box", () => s.find("#catalogue-q"));
    const everything = await s.waitFor("the whole catalogue", async () => ((await total(s)) > 0 ? total(s) : 0));

    // Letter by letter: each prefix narrows (or keeps) the results, and they update unasked.
    let previous = everything;
    const seen = [];
    for (const letter of "epistem") {
      await s.cmd("POST", `/element/${input}/value`, { text: letter });
      const typed = await s.execute("return document.getElementById('catalogue-q').value");
      const count = await s.waitFor(`results for "${typed}"`, async () => {
        const answered = await s.execute("return document.getElementById('results-heading')?.dataset.answered");
        const n = await total(s);
        return answered === typed ? String(n) : null;
      });
      assert.ok(Number(count) <= previous, `"${typed}" narrows`);
      seen.push(Number(count));
      previous = Number(count);
    }
    assert.ok(seen.at(-1) > 0 && seen.at(-1) < everything, `narrowed: ${seen.join(", ")} of ${everything}`);
    const titles = await s.execute("return [...document.querySelectorAll('.hit-title')].map(a => a.textContent)");
    assert.ok(titles.length > 0);
    // While a word is being typed, titles containing it rank before other mentions.
    assert.match(titles[0], /Epistem/, titles.slice(0, 5).join(" | "));
    await screenshot(s, "catalogue-search");

    // A facet: books only.
    const before = await total(s);
    await s.click(await s.find('input[data-filter="format/book"]'));
    await s.waitFor("the book filter", async () => (await total(s)) < before && (await total(s)) > 0);
    const formats = await s.execute("return [...document.querySelectorAll('.hit .format')].map(e => e.textContent)");
    assert.ok(formats.every((f) => f === "Book"), formats.join(","));

    // The first record's page: holdings with availability as of a time.
    await s.click(await s.find(".hit-title"));
    await s.waitFor("the record page", () => s.textOf("article.record h1"));
    const rows = await s.findAll("table.holdings tbody tr");
    assert.ok(rows.length > 0, "holdings are shown");
    assert.match(await s.textOf('[data-testid="availability-as-of"]'), /Availability as of .*\d/);
    await screenshot(s, "catalogue-record");

    // Export RIS: a file appears in the downloads folder with the record in it.
    const title = await s.execute("return document.querySelector('article.record h1').firstChild.textContent.trim()");
    await s.click(await s.find('button[data-export="ris"]'));
    const notice = await s.waitFor("the export notice", () => s.textOf('[data-testid="export-notice"] p'));
    assert.match(notice, /Saved 1 record to .*\.ris/);
    const files = readdirSync(downloads).filter((f) => f.endsWith(".ris"));
    assert.equal(files.length, 1);
    const ris = readFileSync(join(downloads, files[0]), "utf8");
    assert.match(ris, /^TY {2}- BOOK\r\n/);
    assert.ok(ris.includes(`TI  - ${title}`), ris);

    // My list, then back to the results with the search kept.
    await s.click(await s.find("article.record .actions button.primary"));
    await s.click(await s.find("a.back"));
    await s.waitFor("the results again", async () => (await s.execute("return document.getElementById('catalogue-q')?.value")) === "epistem");
    assert.match(await s.textOf(".mylist summary"), /My list: 1 record(?!s)/);
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("typed fast, the results follow without a pause and never go back to an older text", async () => {
  const dir = dataDir("catalogue-typing");
  const app = await launch(dir);
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.click(await s.find('nav a[data-route="catalogue"]'));
    const input = await s.waitFor("the search box", () => s.find("#catalogue-q"));
    await s.waitFor("the whole catalogue", async () => (await total(s)) > 0);
    // The page's own probe (bench/typing.mjs uses it at a million records).
    await s.execute("window.commonsTypingProbe = { typed: [], drawn: [] };");
    const text = "introduction to philosophy";
    for (const letter of text) await s.cmd("POST", `/element/${input}/value`, { text: letter });
    await s.waitFor("the results for the whole text", async () =>
      (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) === text);
    const probe = await s.waitFor("the last results drawn", async () => {
      const p = await s.execute("return window.commonsTypingProbe;");
      return p.drawn.some(([k]) => k === text.length - 1) ? p : null;
    });
    assert.equal(probe.typed.length, text.length, "every keystroke reached the page");
    const order = probe.drawn.map(([k]) => k);
    assert.ok(order.every((k, i) => i === 0 || k > order[i - 1]), `drawn in the order typed: ${order.join(",")}`);
    assert.ok(order.length >= 2, `results were drawn while typing, not only at the end: ${order.join(",")}`);
    assert.ok(probe.drawn.every(([k, at]) => at >= probe.typed[k]), "each drawn after its keystroke");
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("Chinese query and hostile input in the search box", async () => {
  const dir = dataDir("catalogue-zh");
  const app = await launch(dir);
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.click(await s.find('button[data-language="zh-Hans"]'));
    await s.click(await s.find('nav a[data-route="catalogue"]'));
    const input = await s.waitFor("the search box", () => s.find("#catalogue-q"));
    await s.cmd("POST", `/element/${input}/value`, { text: "哲学" });
    await s.waitFor("Chinese results", async () => (await total(s)) > 0 && (await s.textOf(".hit-title"))?.includes("哲学"));
    await screenshot(s, "catalogue-zh");
    for (const hostile of ['"', "author:", "<img src=x onerror=alert(1)>", "🙂".repeat(50), "((( AND OR", "x".repeat(900)]) {
      // Set the value as a paste would, then let the app answer it.
      await s.execute(
        "const i = document.getElementById('catalogue-q'); i.value = arguments[0]; i.dispatchEvent(new Event('input', { bubbles: true }));",
        [hostile],
      );
      await s.waitFor(`an answer for ${hostile.slice(0, 20)}`, async () =>
        (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) ===
        (await s.execute("return document.getElementById('catalogue-q').value")));
      assert.equal(await s.execute("return document.querySelector('.catalogue .problem, [role=alert]') === null"), true);
    }
    assert.equal(await s.execute("return document.querySelectorAll('img').length"), 0, "typed markup stays text");
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("an imported record whose text looks like markup is shown as text", async () => {
  const dir = dataDir("catalogue-markup");
  const title = '<img src=x onerror="document.title=\'owned\'"> & <b>Bold claims</b>';
  const escaped = title.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const file = join(dir, "markup.xml");
  writeFile(
    file,
    `<?xml version="1.0"?><collection xmlns="http://www.loc.gov/MARC21/slim"><record>
      <leader>00000nam a2200000 a 4500</leader>
      <controlfield tag="001">markup-1</controlfield>
      <datafield tag="245" ind1="0" ind2="0"><subfield code="a">${escaped}</subfield></datafield>
      <datafield tag="952" ind1=" " ind2=" "><subfield code="b">central</subfield><subfield code="o">QA76 .M37</subfield></datafield>
    </record></collection>`,
  );
  // The import runs through the command line, as IT staff would run it.
  const cli = runCli(dir, ["import", file]);
  assert.equal(cli.status, 0, cli.stderr + cli.stdout);
  assert.match(cli.stdout, /imported 1,/);
  const app = await launch(dir);
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.click(await s.find('nav a[data-route="catalogue"]'));
    const input = await s.waitFor("the search box", () => s.find("#catalogue-q"));
    await s.cmd("POST", `/element/${input}/value`, { text: "bold claims" });
    await s.waitFor("the answer", async () =>
      (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) === "bold claims");
    const shown = await s.textOf(".hit-title");
    assert.equal(shown, title);
    await s.click(await s.find(".hit-title"));
    await s.waitFor("its page", () => s.textOf("article.record h1"));
    assert.equal(await s.execute("return document.title"), "Commons", "no script ran");
    assert.equal(await s.execute("return document.querySelectorAll('main img, main b').length"), 0);
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("a search in simplified characters finds the Shanghai library's CNMARC record in traditional ones", async () => {
  const dir = dataDir("catalogue-cjk");
  const app = await launch(dir, { COMMONS_UI_LANGUAGE: "zh-Hans" });
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.click(await s.find('nav a[data-route="catalogue"]'));
    const input = await s.waitFor("the search box", () => s.find("#catalogue-q"));
    await s.cmd("POST", `/element/${input}/value`, { text: "图书馆" });
    await s.waitFor("the results", async () => (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) === "图书馆");
    const titles = await s.execute("return [...document.querySelectorAll('.hit-title')].map(a => a.textContent)");
    assert.ok(titles.some((t) => t.includes("圖書館學概論")), titles.join(" | "));
    await screenshot(s, "catalogue-traditional-found");
    // Its page: read from CNMARC, with its CLC number and Chinese subject heading, held in Shanghai.
    const links = await s.findAll(".hit-title");
    await s.click(links[titles.findIndex((t) => t.includes("圖書館學概論"))]);
    await s.waitFor("the record page", () => s.textOf("article.record h1"));
    const page = await s.execute("return document.querySelector('article.record').textContent");
    assert.match(page, /G250/);
    assert.match(page, /图书馆学 -- 概论/);
    const holders = await s.execute("return [...document.querySelectorAll('table.holdings tbody tr')].map(r => r.textContent)");
    assert.ok(holders.some((h) => /上海|Shanghai/.test(h)), holders.join(" | "));
    await screenshot(s, "catalogue-cnmarc-record");
  } finally {
    await app.stop({ cleanup: true });
  }
});
