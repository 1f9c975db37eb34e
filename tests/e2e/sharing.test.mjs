// Resource sharing in the real window with a real hub: a student at a North workstation
// requests a book only South holds (a wrong card number is refused first); a South
// librarian, signed in on the same workstation, accepts and ships it; a North librarian
// marks it received; the student's "Requests" shows each step. With the hub away, a copy
// request waits in the outbox, shown as such, and reaches the hub exactly once when it is
// back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { existsSync, readdirSync } from "node:fs";
import { dataDir, launch, runCli, screenshot, tinyPdf } from "./harness.mjs";
import { SOUTH_LIBRARIAN, startHub } from "./hub.mjs";

const syncState = (s) => s.execute("return document.querySelector('[data-testid=\"sync-status\"]')?.dataset.state ?? null");

test("a request from North to South: placed, accepted, shipped, received; a copy request from the outbox, sent once", async () => {
  const hub = await startHub({ sharing: true });
  const dir = dataDir("sharing");
  try {
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, `${hub.token}\n`);
    const provisioned = runCli(dir, ["provision", "--hub", hub.url, "--token-file", tokenFile, "--allow-insecure-http"]);
    assert.equal(provisioned.status, 0, provisioned.stderr);
    const app = await launch(dir, { COMMONS_HUB_SYNC_SECS: "3" });
    try {
      const s = app.session;
      const base = async () => s.execute("return location.href.split('#')[0]");
      const go = async (hash) => s.cmd("POST", "/url", { url: `${await base()}${hash}` });
      const type = async (css, text) => s.cmd("POST", `/element/${await s.find(css)}/value`, { text });
      const clear = async (css) => s.cmd("POST", `/element/${await s.find(css)}/clear`, {});
      const attr = (css, name) => s.execute(`return document.querySelector(${JSON.stringify(css)})?.getAttribute(${JSON.stringify(name)}) ?? null`);
      await s.waitFor("up to date with the hub", async () => (await syncState(s)) === "current", 60000);
      // The hub told this workstation it stands at North: North is the default pickup library.
      await s.waitFor("the Requests screen in the navigation", () => s.find('nav a[data-route="requests"]'));

      // The book only South holds.
      const openRecord = async (query, title) => {
        await s.click(await s.find('nav a[data-route="catalogue"]'));
        const box = await s.waitFor("the search box", () => s.find("#catalogue-q"));
        await s.cmd("POST", `/element/${box}/clear`, {});
        await s.cmd("POST", `/element/${box}/value`, { text: query });
        await s.waitFor(`results for ${query}`, async () => (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) === query);
        await s.clickOn(`.hit-title`);
        await s.waitFor("the record page", async () => title.test((await s.textOf("article.record h1")) ?? ""));
      };
      await openRecord("Jane Austen", /Complete novels of Jane Austen/);
      const holders = await s.execute("return [...document.querySelectorAll('table.holdings tbody tr')].map(r => r.textContent)");
      assert.ok(holders.length > 0 && holders.every((h) => /South Library/.test(h)), holders.join(" | "));
      await s.clickOn('[data-testid="request-loan"]');
      await s.waitFor("the request form", () => s.find("#r-name"));
      assert.equal(await s.execute("return document.getElementById('r-pickup').value"), "north");
      assert.equal(await s.execute("return document.activeElement?.id"), "request-heading");
      await type("#r-name", "Mei Chen");
      await type("#r-card", "12");
      await type("#r-email", "mei.chen@students.example.edu");
      await s.click(await s.find('[data-testid="send-request"]'));
      await s.waitFor("the card number refused", () => s.find('[data-problem="card_number/invalid_card"]'));
      assert.equal(await s.execute("return document.activeElement?.id"), "r-card");
      await screenshot(s, "sharing-request-invalid");
      await clear("#r-card");
      await type("#r-card", "N-0012345");
      await s.click(await s.find('[data-testid="send-request"]'));
      const code = await s.waitFor("the request code", () => s.textOf('[data-testid="request-code"]'), 30000);
      assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      assert.equal(await attr('[data-testid="request-confirmation"]', "data-pending"), "false");
      assert.match(await s.textOf('[data-testid="request-supplier"]'), /South Library/);
      await screenshot(s, "sharing-request-placed");
      // The hub holds it, routed to South; the reader's details are the hub's alone.
      assert.equal(hub.query(`SELECT supplier || ' ' || status FROM sharing_requests WHERE code = '${code.replace("-", "")}'`).trim(), "south RequestReceived");
      assert.equal(hub.query("SELECT count(*) FROM sharing_patrons WHERE card_number = 'N-0012345'").trim(), "1");

      // The hub goes away: a copy request waits in the outbox, and the student leaves
      // with its code all the same.
      await hub.stopServing();
      await openRecord("Kavalier", /Kavalier/);
      await s.clickOn('[data-testid="request-copy"]');
      await s.waitFor("the copy form", () => s.find("#r-part"));
      const citation = await s.execute("return document.getElementById('r-citation').value");
      assert.match(citation, /Kavalier/);
      await type("#r-name", "Mei Chen");
      await type("#r-card", "N-0012345");
      await type("#r-email", "mei.chen@students.example.edu");
      await type("#r-part", "Chapter 1, pages 3-40");
      await s.click(await s.find('[data-testid="send-request"]'));
      await s.waitFor("the copyright declaration asked for", () => s.find('[data-problem="copyright_accepted/required"]'));
      await s.click(await s.find("#r-copyright"));
      await s.click(await s.find('[data-testid="send-request"]'));
      const copyCode = await s.waitFor("the copy request's code", () => s.textOf('[data-testid="request-code"]'), 30000);
      assert.notEqual(copyCode, code);
      assert.equal(await attr('[data-testid="request-confirmation"]', "data-pending"), "true");
      await screenshot(s, "sharing-request-pending");
      // "Requests" finds it on this workstation, waiting.
      await go("#/requests");
      await s.waitFor("the lookup form", () => s.find("#find-code"));
      await type("#find-code", copyCode.toLowerCase());
      await type("#find-email", "Mei.Chen@students.example.edu");
      await s.click(await s.find('[data-testid="find-request"]'));
      await s.waitFor("the request held here", async () => (await attr('[data-testid="found-request"]', "data-kind")) === "held");
      assert.match(await s.textOf('[data-testid="held"]'), /has not reached the consortium's hub yet/);

      // Back: the next sync sends it, once.
      await hub.startServing();
      await s.waitFor("up to date again", async () => {
        // "Try now" when the workstation has noticed the hub away; else the next sync.
        await s.execute("document.querySelector('[data-testid=\"sync-status\"] button')?.click()");
        return (await syncState(s)) === "current";
      }, 60000);
      // Syncs go on every 3 seconds: the request is not sent again.
      await new Promise((r) => setTimeout(r, 7000));
      assert.equal(hub.query(`SELECT count(*) FROM sharing_requests WHERE code = '${copyCode.replace("-", "")}'`).trim(), "1");
      assert.equal(hub.query("SELECT count(*) FROM sharing_requests").trim(), "2");
      assert.equal(hub.query(`SELECT service || ' ' || supplier FROM sharing_requests WHERE code = '${copyCode.replace("-", "")}'`).trim(), "Copy south");

      // South's librarian, on this North workstation: her queue has the loan to supply.
      const signIn = async (username, password) => {
        await go("#/librarian");
        await s.waitFor("the sign-in form", () => s.find("#lib-username"));
        await type("#lib-username", username);
        await type("#lib-password", password);
        await s.click(await s.find('.sign-in button[type="submit"]'));
        await s.waitFor("signed in", () => s.textOf('[data-testid="session"]'));
        await go("#/requests/queue");
      };
      const card = `[data-request="${code}"]`;
      const stateOf = () => attr(card, "data-status");
      await signIn(SOUTH_LIBRARIAN.username, SOUTH_LIBRARIAN.password);
      await s.waitFor("the loan in South's queue", () => s.find(`[data-group="supply"] ${card}`), 30000);
      assert.match(await s.textOf(card), /Mei Chen/);
      assert.match(await s.textOf(card), /N-0012345/);
      // Only South's steps: never the pickup desk's.
      const steps = await s.execute(`return [...document.querySelectorAll('${card} [data-step]')].map(b => b.dataset.step)`);
      assert.ok(steps.includes("WillSupply") && steps.includes("Unfilled") && !steps.includes("Received"), steps.join(","));
      // Declining without a reason is not sent: the reader must learn why.
      await s.click(await s.find(`${card} [data-step="Unfilled"]`));
      await s.waitFor("a reason asked for", async () => (await attr(`#reason-${code}`, "aria-invalid")) === "true");
      await screenshot(s, "sharing-queue-south");
      await s.click(await s.find(`${card} [data-step="WillSupply"]`));
      await s.waitFor("accepted", async () => (await stateOf()) === "WillSupply");
      await s.click(await s.waitFor("the ship button", () => s.find(`${card} [data-step="Loaned"]`)));
      await s.waitFor("shipped", async () => (await stateOf()) === "Loaned");
      await screenshot(s, "sharing-queue-shipped");

      // The copy request: South delivers the scan (a file that is not a PDF is refused
      // first), which completes it.
      const copyCard = `[data-request="${copyCode}"]`;
      await s.waitFor("the copy in South's queue", () => s.find(`[data-group="supply"] ${copyCard}`));
      const chooseScan = (body) =>
        s.execute(
          `const dt = new DataTransfer(); dt.items.add(new File([arguments[0]], 'scan.pdf', { type: 'application/pdf' }));
           const input = document.querySelector(arguments[1]); input.files = dt.files;
           input.dispatchEvent(new Event('change', { bubbles: true }));`,
          [body, `${copyCard} [data-testid="deliver-file"]`],
        );
      await chooseScan("a photo, not a PDF");
      await s.waitFor("not a PDF refused", () => s.find(`${copyCard} [data-problem="file/not_a_pdf"]`));
      await chooseScan(tinyPdf("Kavalier and Clay chapter one as scanned"));
      await s.waitFor("the copy delivered", async () => (await attr(copyCard, "data-status")) === "CopyCompleted", 30000);
      assert.ok(await s.find(`[data-group="closed"] ${copyCard} [data-testid="delivered-until"]`));
      assert.equal(readdirSync(join(hub.documents, "deliveries")).length, 1);
      await screenshot(s, "sharing-copy-delivered");
      await s.click(await s.find('[data-testid="session"] button'));
      await s.waitFor("signed out", async () => (await s.execute("return document.querySelector('[data-testid=\"session\"]') === null")) === true);

      // North's librarian: the loan is hers to receive.
      await signIn("librarian", "meridian-demo");
      await s.waitFor("the loan in North's queue", () => s.find(`[data-group="pickup"] ${card}`), 30000);
      const northSteps = await s.execute(`return [...document.querySelectorAll('${card} [data-step]')].map(b => b.dataset.step)`);
      assert.deepEqual(northSteps, ["Received"]);
      await s.click(await s.find(`${card} [data-step="Received"]`));
      await s.waitFor("received", async () => (await attr(card, "data-pickup")) === "Received");
      await screenshot(s, "sharing-queue-north");
      // North's statistics: both requests, supplied by South; a CSV of them.
      await go("#/requests/stats");
      await s.waitFor("the statistics", () => s.find('[data-testid="sharing-pairs"] tbody tr'), 30000);
      const pairs = await s.execute(
        "return [...document.querySelectorAll('[data-testid=\"sharing-pairs\"] tbody tr')].map(r => [r.dataset.supplier, r.dataset.borrower, Number(r.querySelector('[data-col=\"filled\"]').textContent)])",
      );
      assert.ok(pairs.every(([supplier, borrower]) => supplier === "south" && borrower === "north"), JSON.stringify(pairs));
      assert.equal(pairs.reduce((n, [, , filled]) => n + filled, 0), 2, JSON.stringify(pairs));
      assert.match(await s.textOf('[data-testid="sharing-totals"]'), /100%/);
      await s.click(await s.find('[data-testid="sharing-csv"]'));
      const csvNotice = await s.waitFor("the CSV saved", () => s.textOf('[data-testid="sharing-stats-notice"]'));
      assert.match(csvNotice, /sharing-.*\.csv/);
      await screenshot(s, "sharing-statistics");
      await s.click(await s.find('[data-testid="session"] button'));

      // The student looks it up: each step in its history.
      await go("#/requests");
      await s.waitFor("the lookup form", () => s.find("#find-code"));
      await clear("#find-code");
      await clear("#find-email");
      await type("#find-code", code);
      await type("#find-email", "mei.chen@students.example.edu");
      await s.click(await s.find('[data-testid="find-request"]'));
      await s.waitFor("the request found", async () => (await attr('[data-testid="found-request"]', "data-kind")) === "found");
      assert.equal(await attr('[data-testid="request-status"]', "data-pickup"), "Received");
      const history = await s.execute("return [...document.querySelectorAll('[data-testid=\"request-history\"] li')].map(l => l.dataset.what)");
      assert.deepEqual(history, ["placed", "routed", "WillSupply", "Loaned", "Received"]);
      assert.match(await s.textOf('[data-testid="request-status"]'), /Ready to pick up/);
      assert.ok(await s.find('[data-testid="request-due"]'));
      await screenshot(s, "sharing-my-request");
      await s.clickOn('button[data-language="zh-Hans"]');
      await s.waitFor("in Chinese", async () => /可以取书/.test((await s.textOf('[data-testid="request-status"]')) ?? ""));
      await screenshot(s, "sharing-my-request-zh");
      await s.clickOn('button[data-language="en"]');
      // The copy: ready at North, read in the viewer, saved to the session's files; never
      // among the workstation's documents.
      const findCopy = async () => {
        await go("#/requests");
        await s.waitFor("the lookup form", () => s.find("#find-code"));
        await clear("#find-code");
        await clear("#find-email");
        await type("#find-code", copyCode);
        await type("#find-email", "mei.chen@students.example.edu");
        await s.click(await s.find('[data-testid="find-request"]'));
        await s.waitFor("the copy request found", async () => (await attr('[data-testid="request-status"]', "data-status")) === "CopyCompleted");
      };
      await findCopy();
      await s.waitFor("the copy offered", () => s.find('[data-testid="copy-ready"]'));
      await screenshot(s, "sharing-copy-ready");
      await s.click(await s.find('[data-testid="read-copy"]'));
      await s.waitFor("the copy in the viewer", async () => Number(await attr(".viewer", "data-pages")) === 1, 30000);
      assert.match(await s.textOf(".viewer h1"), /Kavalier/);
      await s.waitFor("the scan drawn with its text", () => s.find('.pdf-page[data-page="1"] .textLayer span'), 30000);
      assert.match(await s.execute("return document.querySelector('.pdf-page[data-page=\"1\"] .textLayer').textContent"), /chapter one as scanned/);
      await screenshot(s, "sharing-copy-viewer");
      await go("#/documents");
      await s.waitFor("the documents screen", () => s.find(".documents h1, h1"));
      const listed = await s.execute("return document.querySelector('main')?.textContent ?? ''");
      assert.doesNotMatch(listed, /Kavalier/);
      await findCopy();
      await s.click(await s.waitFor("the save button", () => s.find('[data-testid="save-copy"]')));
      const savedAs = await s.waitFor("the copy saved", () => s.textOf('[data-testid="copy-saved"]'));
      const savedPath = savedAs.match(/Saved as (.+\.pdf)\./)[1];
      assert.ok(existsSync(savedPath), savedPath);
      await s.waitFor("listed among the session's files", () => s.find('[data-testid="session-files"]'));

      // Expired: the hub no longer serves it, and its purge deletes the file.
      hub.query("UPDATE sharing_deliveries SET expires_at = now() - interval '1 minute'");
      await findCopy();
      assert.equal(await s.execute("return document.querySelector('[data-testid=\"copy-ready\"]') === null"), true);
      const purged = hub.cli("--documents-dir", hub.documents, "purge");
      assert.equal(purged.status, 0, purged.stderr);
      assert.match(purged.stdout, /1 expired delivered copies deleted/);
      assert.equal(readdirSync(join(hub.documents, "deliveries")).length, 0);

      // Another email finds nothing, and says so as for an unknown code.
      await clear("#find-email");
      await type("#find-email", "someone.else@students.example.edu");
      await s.click(await s.find('[data-testid="find-request"]'));
      await s.waitFor("not found", () => s.find('#find-error[data-error-code="unknown_code"]'));
    } finally {
      await app.stop({ cleanup: true });
    }
  } finally {
    await hub.stop();
  }
});
