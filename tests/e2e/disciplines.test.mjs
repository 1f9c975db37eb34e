// Discipline browsing as a student uses it: the tree with counts, a discipline's page with
// its best bets and records, the resources A–Z with filters, a resource's page whose link
// opens in the system browser (here a stand-in opener that records what it was given).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir, launch, screenshot, writeFile } from "./harness.mjs";

test("tree, discipline page, A–Z filters, resource detail and its link", async () => {
  const dir = dataDir("disciplines");
  const opened = join(dir, "opened.txt");
  const opener = join(dir, "opener.sh");
  // Written whole, then renamed: the test never reads a half-written file.
  writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${opened}.tmp' && mv '${opened}.tmp' '${opened}'\n`);
  chmodSync(opener, 0o755);
  const app = await launch(dir, { COMMONS_LINKS_OPENER: opener });
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.click(await s.find('nav a[data-route="disciplines"]'));

    // The tree: top-level disciplines with counts and their sub-disciplines.
    await s.waitFor("the discipline tree", () => s.find('.discipline[data-discipline="history"]'));
    const tops = await s.execute("return document.querySelectorAll('.discipline-tree > .discipline').length");
    assert.ok(tops >= 14, `${tops} top-level disciplines`);
    const counts = await s.textOf('.discipline[data-discipline="history"] .discipline-counts');
    assert.match(counts, /Resources [1-9]\d* · Records [1-9][\d,]* · Documents \d+/);
    await screenshot(s, "disciplines-tree");

    // A discipline page: Statistics, under Mathematics; best bets first.
    await s.click(await s.find('.subdisciplines a[href="#/disciplines/d/statistics"]'));
    await s.waitFor("the statistics page", () => s.find('article.discipline-page[data-discipline="statistics"]'));
    assert.match(await s.textOf(".breadcrumb"), /Disciplines.*Mathematics and Statistics.*Statistics/s);
    const best = await s.execute(
      "return [...document.querySelectorAll('[data-section=\"best-bets\"] .resource-card')].map(c => c.querySelector('.resource-name').textContent.trim())",
    );
    assert.ok(best.includes("Stata"), best.join(", "));
    const newest = await s.execute("return document.querySelectorAll('[data-section=\"newest\"] li').length");
    assert.ok(newest > 0, "newest records are listed");
    await screenshot(s, "disciplines-statistics");

    // All its records in the catalogue: the discipline filter is applied there.
    const expected = await s.textOf('[data-testid="all-records"]');
    await s.click(await s.find('[data-testid="all-records"]'));
    await s.waitFor("the catalogue filtered by discipline", async () => {
      const total = Number(await s.execute("return document.getElementById('results-heading')?.dataset.total ?? '0'"));
      return total > 0 ? total : null;
    });
    const checked = await s.execute("return document.querySelector('input[data-filter=\"subdiscipline/statistics\"]')?.checked === true");
    assert.ok(checked, `the catalogue shows the discipline's records (${expected})`);

    // The A–Z list: filter by type, then search.
    await s.cmd("POST", "/url", { url: await s.execute("return location.href.split('#')[0] + '#/disciplines/a-z'") });
    await s.waitFor("the A–Z list", () => s.find(".resources .resource-card"));
    const all = Number(await s.execute("return document.querySelector('.results-count').dataset.total"));
    await s.click(await s.find('select[data-filter="kind"] option[value="software"]'));
    const software = await s.waitFor("the software filter", async () => {
      const n = Number(await s.execute("return document.querySelector('.results-count').dataset.total"));
      return n > 0 && n < all ? n : null;
    });
    const names = await s.execute("return [...document.querySelectorAll('.resources .resource-name')].map(e => e.textContent.trim())");
    assert.ok(names.includes("Stata") && !names.includes("PubMed"), names.join(", "));
    assert.equal(names.length, Number(software));
    const input = await s.find("#resources-q");
    await s.cmd("POST", `/element/${input}/value`, { text: "statacorp" });
    await s.waitFor("the search", async () => {
      const shown = await s.execute("return [...document.querySelectorAll('.resources .resource-name')].map(e => e.textContent.trim())");
      return shown.length === 1 && shown[0] === "Stata";
    });
    await screenshot(s, "disciplines-a-z");

    // A resource's page: its note for this workstation, and its link opens outside the app.
    await s.click(await s.find('.resources .resource-name a'));
    await s.waitFor("the Stata page", () => s.find('article.resource-detail[data-resource="res-stata"]'));
    assert.match(await s.textOf(".workstation-note"), /Stata lab/);
    await s.click(await s.find('[data-testid="open-link"]'));
    await s.waitFor("the opened notice", () => s.textOf('[data-testid="opened"]'));
    await s.waitFor("the opener to run", () => existsSync(opened));
    assert.equal(readFileSync(opened, "utf8"), "https://www.stata.com/");
    assert.ok((await s.execute("return location.hash")).startsWith("#/disciplines/resource/"), "the app window stays on Commons");
    await screenshot(s, "disciplines-resource");
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("a librarian signs in, adds a resource (a javascript: link is refused), edits and retires it", async () => {
  const dir = dataDir("curation");
  const app = await launch(dir);
  try {
    const s = app.session;
    const type = async (css, text) => s.cmd("POST", `/element/${await s.find(css)}/value`, { text });
    const clear = async (css) => s.cmd("POST", `/element/${await s.find(css)}/clear`, {});
    await s.waitFor("the home screen", () => s.textOf(".home h1"));

    // A wrong password is refused; the demo librarian's is accepted.
    await s.click(await s.find('a.sidebar-footer[href="#/librarian"]'));
    await type("#lib-username", "librarian");
    await type("#lib-password", "not the password");
    await s.click(await s.find('.sign-in button[type="submit"]'));
    const refused = await s.waitFor("the refusal", () => s.textOf("#sign-in-error"));
    assert.match(refused, /user name or the password is wrong/);
    await type("#lib-password", "meridian-demo");
    await s.click(await s.find('.sign-in button[type="submit"]'));
    await s.waitFor("signed in", () => s.textOf('[data-testid="session"]'));
    assert.match(await s.textOf('[data-testid="session"]'), /Signed in as Adaeze Okafor/);

    // A new resource: every problem is named; a javascript: address is refused.
    await s.click(await s.find('.sign-in a.button-link'));
    await s.click(await s.waitFor("the add button", () => s.find('[data-testid="add-resource"]')));
    await s.waitFor("the form", () => s.find("#f-name"));
    await type("#f-url", "javascript:alert(1)");
    await s.click(await s.find('.resource-form button[type="submit"]'));
    await s.waitFor("the problems", () => s.find('[data-problem="url/url_scheme"]'));
    const shown = await s.execute("return [...document.querySelectorAll('[data-problem]')].map(e => e.dataset.problem)");
    assert.deepEqual(shown.sort(), ["description/required", "disciplines/none", "name/required", "url/url_scheme"]);
    assert.equal(await s.execute("return document.getElementById('f-url').getAttribute('aria-invalid')"), "true");
    await screenshot(s, "curation-problems");

    await type("#f-name", "Thesis Formatting Guide");
    await type("#f-description", "How to format a thesis for deposit in the consortium's repository.");
    await clear("#f-url");
    await type("#f-url", "https://guides.meridian-libraries.example/thesis");
    await s.click(await s.find('select#f-kind option[value="guide"]'));
    await s.click(await s.find('input[data-discipline="higher-education"]'));
    await s.click(await s.waitFor("the best-bet box", () => s.find('input[data-best-bet="higher-education"]')));
    await s.click(await s.find('.resource-form button[type="submit"]'));
    await s.waitFor("the new resource's page", () => s.find('article.resource-detail[data-resource="res-thesis-formatting-guide"]'));

    // Edit its name; the history names the change.
    await s.click(await s.find('[data-testid="edit-resource"]'));
    await s.waitFor("the form with its values", async () => (await s.execute("return document.getElementById('f-name')?.value")) === "Thesis Formatting Guide");
    await type("#f-name", " (2027)");
    await s.click(await s.find('.resource-form button[type="submit"]'));
    await s.waitFor("the edited name", async () => (await s.textOf("article.resource-detail h1")) === "Thesis Formatting Guide (2027)");

    // Retire it: students no longer see it; the history has three lines.
    await s.click(await s.find('[data-testid="retire"]'));
    await s.waitFor("the retired note", () => s.find('[data-testid="retired"]'));
    const actions = await s.waitFor("three history lines", async () => {
      const a = await s.execute("return [...document.querySelectorAll('[data-testid=\"history\"] li')].map(l => l.dataset.action)");
      return a.length === 3 ? a : null;
    });
    assert.deepEqual(actions, ["retire", "edit", "add"]);
    assert.match(await s.textOf('[data-testid="history"]'), /librarian/);
    await screenshot(s, "curation-history");

    await s.click(await s.find('[data-testid="session"] button'));
    await s.waitFor("signed out", async () => (await s.findAll('[data-testid="session"]')).length === 0);
    await s.cmd("POST", "/url", { url: await s.execute("return location.href.split('#')[0] + '#/disciplines/a-z'") });
    await s.waitFor("the A–Z list", () => s.find(".resources .resource-card"));
    const names = await s.execute("return [...document.querySelectorAll('.resources .resource-name')].map(e => e.textContent.trim())");
    assert.ok(!names.some((n) => n.startsWith("Thesis Formatting")), names.join(", "));
    assert.equal(await s.execute("return document.querySelector('[data-testid=\"add-resource\"]')"), null);
  } finally {
    await app.stop({ cleanup: true });
  }
});
