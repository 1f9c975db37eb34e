// The document viewer in the real window: open a document from the Documents screen, go to
// page 3, find a word, see the hit count, jump between hits across pages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dataDir, launch, screenshot, tinyPdf } from "./harness.mjs";

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
    await s.waitFor("laid out", async () => (await s.execute("return document.querySelector('.viewer')?.dataset.ready")) === "true");

    // Page 3 through the page box.
    const box = await s.find('[data-testid="page-input"]');
    await s.cmd("POST", `/element/${box}/clear`, {});
    await s.cmd("POST", `/element/${box}/value`, { text: "3\uE007" });
    await s.waitFor("page 3", async () => (await s.execute("return document.querySelector('.viewer').dataset.currentPage")) === "3");
    await s.waitFor("page 3 drawn with its text", () => s.find('.pdf-page[data-page="3"] .textLayer span'));
    const text = await s.execute("return document.querySelector('.pdf-page[data-page=\"3\"] .textLayer').textContent");
    assert.ok(text.length > 200, "page 3 has a text layer for selection and copy");

    // Thumbnails: small drawings of the pages; one opens its page.
    await s.click(await s.find('[data-testid="thumbnails-toggle"]'));
    await s.waitFor("page 1 drawn small", () => s.find('.thumb[data-thumb="1"] canvas'));
    await s.click(await s.find('.thumb[data-thumb="5"]'));
    await s.waitFor("page 5", async () => (await s.execute("return document.querySelector('.viewer').dataset.currentPage")) === "5");
    await screenshot(s, "documents-thumbnails");
    await s.click(await s.find('[data-testid="thumbnails-toggle"]'));

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
    assert.match(await s.waitFor("a marked word", () => s.textOf(".doc-results .snippet mark")), /data|librarian/i);
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

test("a librarian adds a PDF; a non-PDF is refused; the new text becomes searchable", async () => {
  const dir = dataDir("add-document");
  const app = await launch(dir);
  try {
    const s = app.session;
    const type = async (css, text) => s.cmd("POST", `/element/${await s.find(css)}/value`, { text });
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.cmd("POST", "/url", { url: await s.execute("return location.href.split('#')[0] + '#/librarian'") });
    await type("#lib-username", "librarian");
    await type("#lib-password", "meridian-demo");
    await s.click(await s.find('.sign-in button[type="submit"]'));
    await s.waitFor("signed in", () => s.textOf('[data-testid="session"]'));
    await s.click(await s.find('nav a[data-route="documents"]'));
    await s.waitFor("the add form", () => s.find('[data-testid="add-file"]'));
    const choose = async (name, body) =>
      s.execute(
        `const dt = new DataTransfer(); dt.items.add(new File([arguments[0]], arguments[1], { type: 'application/pdf' }));
         const input = document.querySelector('[data-testid="add-file"]'); input.files = dt.files;
         input.dispatchEvent(new Event('change', { bubbles: true }));`,
        [body, name],
      );
    // Not a PDF: refused with the reason.
    await choose("notes.pdf", "just some text, not a PDF");
    await s.waitFor("the file taken", async () => (await s.execute("return document.getElementById('add-title').value")) === "notes");
    await s.click(await s.find('.add-document button[type="submit"]'));
    await s.waitFor(
      "the refusal",
      async () =>
        (await s.execute("return !!document.querySelector('[data-problem=\"file/not_a_pdf\"]')")) ||
        // What the form shows instead, for the failure message.
        Promise.reject(new Error(await s.execute("return [...document.querySelectorAll('.add-document [data-problem], .add-document [data-error-code], .add-document button[type=submit]')].map(e => e.dataset.problem ?? e.dataset.errorCode ?? e.textContent).join(' | ')"))),
      30000,
    );
    // A real one, attached to History.
    await choose("palimpsest-notes.pdf", tinyPdf("Palimpsest manuscripts of the Meridian archive"));
    assert.equal(await s.execute("return document.getElementById('add-title').value"), "palimpsest notes");
    await s.click(await s.find('#add-discipline option[value="history"]'));
    await s.click(await s.waitFor("the resources", () => s.find('#add-resource option[value="res-stata"]')));
    await s.click(await s.find('.add-document button[type="submit"]'));
    await s.waitFor("added", () => s.textOf('[data-testid="add-notice"]'));
    await s.waitFor("listed", () => s.find('.document-list a[aria-label="Open palimpsest notes"]'));
    await screenshot(s, "documents-added");
    // Its text is extracted in the background and found by search.
    const q = await s.find("#documents-q");
    await s.cmd("POST", `/element/${q}/value`, { text: "palimpsest" });
    await s.waitFor("the new document found", async () => {
      await s.execute("document.getElementById('documents-q').dispatchEvent(new Event('input', { bubbles: true }))");
      return (await s.execute("return document.getElementById('doc-results')?.dataset.total")) === "1";
    }, 30000);
    assert.match(await s.textOf(".doc-results .hit-title"), /palimpsest notes, page 1/);
    // Attached to Stata: its page lists the document.
    await s.cmd("POST", "/url", { url: await s.execute("return location.href.split('#')[0] + '#/disciplines/resource/res-stata'") });
    const attached = await s.waitFor("the attached document", () => s.textOf("#resource-documents + ul a"));
    assert.equal(attached, "palimpsest notes");

    // A page without text: listed as not searchable, and why.
    await s.click(await s.find('nav a[data-route="documents"]'));
    await s.waitFor("the add form", () => s.find('[data-testid="add-file"]'));
    await choose("blank-scan.pdf", tinyPdf());
    await s.waitFor("the file taken", async () => (await s.execute("return document.getElementById('add-title').value")) === "blank scan");
    await s.click(await s.find('.add-document button[type="submit"]'));
    const stateOf = (title) =>
      s.execute(
        "return document.querySelector(`.document-list a[aria-label=\"Open ${arguments[0]}\"]`)?.closest('li')?.querySelector('.text-state')?.dataset.text ?? 'searchable'",
        [title],
      );
    await s.waitFor("the reason it is not searchable", async () => (await stateOf("blank scan")) === "noText", 30000);
    assert.match(
      await s.textOf('.document-list .text-state[data-text="noText"]'),
      /Not searchable: scanned pages without text/,
    );
    assert.equal(await stateOf("palimpsest notes"), "searchable");
    await s.execute("document.querySelector('.document-list .text-state').closest('li').scrollIntoView({ block: 'center', behavior: 'instant' })");
    await screenshot(s, "documents-not-searchable");
  } finally {
    await app.stop({ cleanup: true });
  }
});
