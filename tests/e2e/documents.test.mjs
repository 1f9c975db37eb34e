// The document viewer in the real window: open a document from the Documents screen, go to
// page 3, find a word, see the hit count, jump between hits across pages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dataDir, launch, screenshot } from "./harness.mjs";

test("open a document, go to page 3, find a word and jump between its hits", async () => {
  const dir = dataDir("documents");
  const app = await launch(dir);
  try {
    const s = app.session;
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.click(await s.find('nav a[data-route="documents"]'));
    const link = await s.waitFor("the reader in the list", () =>
      s.find('.document-list a[aria-label^="Open Questions at the Reference Desk"]'),
    );
    await screenshot(s, "documents-list");
    await s.click(link);

    // The real pages: six of them, drawn by pdf.js.
    const pages = await s.waitFor("the document open", async () => {
      const n = Number(await s.execute("return document.querySelector('.viewer')?.dataset.pages ?? '0'"));
      return n > 0 ? n : null;
    });
    assert.equal(pages, 6);
    await s.waitFor("page 1 drawn", () => s.find('.pdf-page[data-page="1"] canvas'));

    // Page 3 through the page box.
    const box = await s.find('[data-testid="page-input"]');
    await s.cmd("POST", `/element/${box}/clear`, {});
    await s.cmd("POST", `/element/${box}/value`, { text: "3\uE007" });
    await s.waitFor("page 3", async () => (await s.execute("return document.querySelector('.viewer').dataset.currentPage")) === "3");
    await s.waitFor("page 3 drawn with its text", () => s.find('.pdf-page[data-page="3"] .textLayer span'));
    const text = await s.execute("return document.querySelector('.pdf-page[data-page=\"3\"] .textLayer').textContent");
    assert.ok(text.length > 200, "page 3 has a text layer for selection and copy");

    // Find a word: the counter, highlights, and next/previous across pages.
    const find = await s.find('[data-testid="find-input"]');
    await s.cmd("POST", `/element/${find}/value`, { text: "consultation" });
    const total = await s.waitFor("the hit count", async () => {
      const n = Number(await s.execute("return document.querySelector('[data-testid=\"hit-count\"]').dataset.total"));
      return n > 1 ? n : null;
    });
    assert.match(await s.textOf('[data-testid="hit-count"]'), new RegExp(`of ${total}$`));
    await s.waitFor("a highlighted hit", () => s.find(".textLayer .highlight.selected"));
    const pageOfHit = async () => s.execute("return document.querySelector('.highlight.selected')?.closest('.pdf-page')?.dataset.page");
    const before = await s.execute("return document.querySelector('[data-testid=\"hit-count\"]').dataset.index");
    await s.click(await s.find('[data-testid="next-hit"]'));
    await s.waitFor("the next hit", async () => (await s.execute("return document.querySelector('[data-testid=\"hit-count\"]').dataset.index")) !== before);
    const visited = new Set([await pageOfHit()]);
    for (let i = 0; i < total; i++) {
      await s.click(await s.find('[data-testid="next-hit"]'));
      await s.waitFor("the hit drawn", () => s.find(".textLayer .highlight.selected"));
      visited.add(await pageOfHit());
    }
    assert.ok(visited.size > 1, `hits on several pages: ${[...visited].join(", ")}`);
    await s.click(await s.find('[data-testid="previous-hit"]'));
    await screenshot(s, "documents-viewer");
    // A word that is not there.
    await s.cmd("POST", `/element/${find}/clear`, {});
    await s.cmd("POST", `/element/${find}/value`, { text: "zyzzyva" });
    await s.waitFor("no hits", async () => (await s.textOf('[data-testid="hit-count"]')) === "Not found");

    // Search across every document: the result names the page, and opens the viewer there
    // with the words marked.
    await s.click(await s.find("a.back"));
    const q = await s.waitFor("the search box", () => s.find("#documents-q"));
    await s.waitFor("every document searchable", async () => (await s.execute("return document.querySelector('[data-testid=\"extraction\"]')?.dataset.pending")) === "0");
    await s.cmd("POST", `/element/${q}/value`, { text: "\"data librarian\"" });
    const results = await s.waitFor("the results", async () => {
      const n = Number(await s.execute("return document.getElementById('doc-results')?.dataset.total ?? '0'"));
      return n > 0 ? n : null;
    });
    assert.ok(results >= 4, `${results} pages mention the data librarian`);
    assert.match(await s.textOf(".doc-results .snippet mark"), /data|librarian/i);
    const target = await s.execute("return [...document.querySelectorAll('.doc-results .hit')].find(h => Number(h.dataset.page) >= 3)?.dataset.page");
    assert.ok(target, "a hit beyond page 2");
    await s.click(await s.find(`.doc-results .hit[data-page="${target}"] a`));
    await s.waitFor("the viewer at that page", async () => (await s.execute("return document.querySelector('.viewer')?.dataset.currentPage")) === target);
    await s.waitFor("the words marked", () => s.find(`.pdf-page[data-page="${target}"] .highlight`));
    await screenshot(s, "documents-search-result");
  } finally {
    await app.stop({ cleanup: true });
  }
});
