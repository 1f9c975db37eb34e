// Usage statistics in the real window: a patron searches (letter by letter: one search,
// not one per keystroke), finds nothing once, opens a record, exports it and opens a
// resource; a librarian signs in and the statistics screen shows exactly those counts, in
// English and in Chinese, and saves one section as CSV.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { dataDir, launch, screenshot, writeFile } from "./harness.mjs";

const total = async (s) => Number(await s.execute("return document.getElementById('results-heading')?.dataset.total ?? '-1'"));

test("what a patron did appears, counted and anonymous, on the librarian's statistics screen", async () => {
  const dir = dataDir("usage");
  const downloads = join(dir, "downloads");
  const opener = join(dir, "opener.sh");
  const opened = join(dir, "opened.txt");
  writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${opened}.tmp' && mv '${opened}.tmp' '${opened}'\n`);
  chmodSync(opener, 0o755);
  const app = await launch(dir, { XDG_DOWNLOAD_DIR: downloads, COMMONS_LINKS_OPENER: opener });
  try {
    const s = app.session;
    const type = async (css, text) => s.cmd("POST", `/element/${await s.find(css)}/value`, { text });
    const clear = async (css) => s.cmd("POST", `/element/${await s.find(css)}/clear`, {});
    await s.waitFor("the home screen", () => s.textOf(".home h1"));

    // Typed letter by letter, waiting for each answer: one search.
    await s.click(await s.find('nav a[data-route="catalogue"]'));
    const input = await s.waitFor("the search box", () => s.find("#catalogue-q"));
    for (const letter of "epistem") {
      await s.cmd("POST", `/element/${input}/value`, { text: letter });
      const typed = await s.execute("return document.getElementById('catalogue-q').value");
      await s.waitFor(`results for "${typed}"`, async () =>
        (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) === typed,
      );
    }
    await sleep(2500);
    // A search that finds nothing (its text stays on this workstation: one session).
    await clear("#catalogue-q");
    await type("#catalogue-q", "zzqxvnothing");
    await s.waitFor("no results", async () =>
      (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) === "zzqxvnothing" && (await total(s)) === 0,
    );
    await sleep(2500);

    // A record opened and exported; a resource opened in the system browser.
    await clear("#catalogue-q");
    await type("#catalogue-q", "epistemology");
    // The results for the whole word (those for its first letters are drawn on the way).
    await s.waitFor("results", async () =>
      (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) === "epistemology" && (await total(s)) > 0,
    );
    await s.click(await s.find(".hit-title"));
    await s.waitFor("the record page", () => s.find('[data-export="ris"]'));
    await s.click(await s.find('[data-export="ris"]'));
    await s.waitFor("the export", () => existsSync(downloads) && readdirSync(downloads).some((f) => f.endsWith(".ris")));
    await s.execute("location.hash = '#/disciplines/resource/res-stata'");
    await s.waitFor("the Stata page", () => s.find('article.resource-detail[data-resource="res-stata"]'));
    await s.click(await s.find('[data-testid="open-link"]'));
    await s.waitFor("the opener to run", () => existsSync(opened));

    // The librarian's statistics: exactly what was done.
    await s.click(await s.find('a.sidebar-footer[href="#/librarian"]'));
    await type("#lib-username", "librarian");
    await type("#lib-password", "meridian-demo");
    await s.click(await s.find('.sign-in button[type="submit"]'));
    await s.waitFor("signed in", () => s.textOf('[data-testid="session"]'));
    await s.click(await s.waitFor("the statistics link", () => s.find('a.sidebar-footer[data-route="usage"]')));
    await s.waitFor("the totals", () => s.find('[data-usage-total="search"]'));
    assert.equal(await s.execute("return document.querySelector('[data-testid=\"usage-scope\"]').dataset.scope"), "workstation");
    const totals = await s.execute(
      "return Object.fromEntries([...document.querySelectorAll('[data-usage-total]')].map(li => [li.dataset.usageTotal, li.querySelector('.value').textContent.trim()]))",
    );
    // "epistem" (once, not seven times), "zzqxvnothing", "epistemology".
    assert.equal(totals.search, "3", JSON.stringify(totals));
    assert.equal(totals.search_empty, "1");
    assert.equal(totals.record_view, "1");
    assert.equal(totals.citation_export, "1");
    assert.equal(totals.resource_open, "1");
    assert.equal(totals.session, "1", "one patron so far");
    assert.equal(
      await s.execute("return document.querySelector('[data-usage=\"resources\"] tbody tr th')?.textContent.trim()"),
      "Stata",
    );
    const costPerUse = await s.execute("return document.querySelector('[data-usage=\"resources\"] tbody tr td:last-child').textContent.trim()");
    assert.match(costPerUse, /^\d[\d,]*\.\d\d$/, "Stata's yearly cost spread over its one use");
    assert.ok(
      (await s.execute("return document.querySelector('[data-usage=\"empty-searches\"] tbody')")) === null,
      "a text typed in one session is not shown",
    );
    await screenshot(s, "usage-statistics");
    await s.execute("document.querySelector('[data-usage=\"weeks\"]').scrollIntoView()");
    await screenshot(s, "usage-statistics-tables");
    await s.execute("document.querySelector('[data-usage=\"hours\"]').scrollIntoView()");
    await screenshot(s, "usage-statistics-hours");

    await s.click(await s.find('[data-usage-csv="resources"]'));
    await s.waitFor("the CSV", () => readdirSync(downloads).some((f) => f.startsWith("commons-usage-resources")));
    const csv = readFileSync(join(downloads, readdirSync(downloads).find((f) => f.startsWith("commons-usage-resources"))), "utf8");
    assert.match(csv, /^resource,name,opens,yearly_cost,period_cost_per_use\r\nres-stata,Stata,1,5200,\d+\.\d\d\r\n/);
    assert.ok(!csv.includes("zzqxv") && !csv.includes("librarian"), "no text, no one");

    await s.click(await s.find('button[data-language="zh-Hans"]'));
    await s.waitFor("the Chinese screen", async () => (await s.textOf(".usage h1")) === "使用统计");
    await screenshot(s, "usage-statistics-zh");
  } finally {
    await app.stop({ cleanup: true });
  }
});
