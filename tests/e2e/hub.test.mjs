// A workstation joined to the consortium hub: provisioned from the command line, it syncs
// the union catalogue (two member libraries merged into one record with both holdings),
// shows that it is up to date, keeps working on its cache when the hub goes away, and says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir, launch, root, runCli, screenshot } from "./harness.mjs";
import { startHub } from "./hub.mjs";

const syncState = (s) => s.execute("return document.querySelector('[data-testid=\"sync-status\"]')?.dataset.state ?? null");

/** The screen as it is, in Chinese (screenshot and axe-core), then English again. */
async function inChinese(s, name, status) {
  await s.clickOn('button[data-language="zh-Hans"]');
  await s.waitFor("the sync status in Chinese", async () => status.test((await s.textOf('[data-testid="sync-status"]')) ?? ""));
  await screenshot(s, name);
  await s.clickOn('button[data-language="en"]');
  await s.waitFor("English again", async () => (await s.execute("return document.documentElement.lang")) === "en");
}

test("provision, sync the union catalogue, see both libraries' holdings, work offline", async () => {
  const hub = await startHub();
  const dir = dataDir("hub");
  try {
    // A wrong token is refused and nothing is written; the right one is.
    // The token comes from a file (never the command line); the test hub is plain http.
    const wrongToken = join(dir, "wrong-token");
    const rightToken = join(dir, "token");
    writeFileSync(wrongToken, "not-the-token\n");
    writeFileSync(rightToken, `${hub.token}\n`);
    const insecure = runCli(dir, ["provision", "--hub", hub.url, "--token-file", rightToken]);
    assert.notEqual(insecure.status, 0);
    assert.match(insecure.stderr, /plain http/);
    const refused = runCli(dir, ["provision", "--hub", hub.url, "--token-file", wrongToken, "--allow-insecure-http"]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /refused this workstation's token/);
    // This workstation ran the demo before (and imported a file into it): provisioning
    // takes every row and file of it out, and doctor finds no demo data or demo password.
    const seeded = runCli(dir, ["import", join(root, "../shared/corpus/marc/marc4j-chabon.mrc")]);
    assert.equal(seeded.status, 0, seeded.stderr);
    const ok = runCli(dir, ["provision", "--hub", hub.url, "--token-file", rightToken, "--allow-insecure-http"]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /accepted the token/);
    assert.match(ok.stdout, /the demo consortium was removed from this workstation's cache: \d+ rows \(.*accounts 1.*librarians \d+.*records \d+.*\), \d+ document files/);
    const doctor = runCli(dir, ["doctor"], { COMMONS_HUB_ALLOW_INSECURE_HTTP: "true" });
    assert.match(doctor.stdout, /joined to a hub, with no demo data or demo password/, doctor.stdout + doctor.stderr);

    // Syncs every 3 seconds here (a minute by default).
    const app = await launch(dir, { COMMONS_HUB_SYNC_SECS: "3" });
    try {
      const s = app.session;
      await s.waitFor("the home screen", () => s.textOf(".home h1"));
      await s.waitFor("up to date with the hub", async () => (await syncState(s)) === "current", 30000);
      assert.match(await s.textOf('[data-testid="sync-status"]'), /Up to date/);
      // Home is the consortium's, as the hub names it, with its member libraries.
      await s.waitFor("the consortium's name", async () => /Lakeland Library Consortium/.test((await s.textOf(".home h1")) ?? ""), 15000);
      const members = await s.execute("return document.querySelector('.home')?.textContent ?? ''");
      assert.match(members, /North Library/);
      assert.doesNotMatch(members, /Meridian/);
      await screenshot(s, "hub-home");
      await inChinese(s, "hub-home-zh", /已是最新|最新/);

      // The novel both libraries hold is one record with both holdings.
      await s.click(await s.find('nav a[data-route="catalogue"]'));
      const input = await s.waitFor("the search box", () => s.find("#catalogue-q"));
      await s.cmd("POST", `/element/${input}/value`, { text: "Kavalier" });
      await s.waitFor("the merged record", async () => (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) === "Kavalier");
      const titles = await s.execute("return [...document.querySelectorAll('.hit-title')].map(a => a.textContent)");
      assert.equal(titles.length, 1, titles.join(" | "));
      await s.click(await s.find(".hit-title"));
      await s.waitFor("the record page", () => s.textOf("article.record h1"));
      const holders = await s.execute("return [...document.querySelectorAll('table.holdings tbody tr')].map(r => r.textContent)");
      assert.ok(holders.some((h) => /North Library/.test(h)) && holders.some((h) => /South Library/.test(h)), holders.join(" | "));
      await screenshot(s, "hub-merged-record");

      // The hub goes away: the workstation says it is offline and keeps searching its cache.
      await hub.stopServing();
      await s.click(await s.find("nav a[data-route='catalogue']"));
      await s.waitFor("offline shown", async () => ((await syncState(s)) === "offline" ? true : null), 30000);
      assert.match(await s.textOf('[data-testid="sync-status"]'), /Offline · catalogue as of/);
      const box = await s.waitFor("the search box", () => s.find("#catalogue-q"));
      await s.cmd("POST", `/element/${box}/clear`, {});
      await s.cmd("POST", `/element/${box}/value`, { text: "Summerland" });
      await s.waitFor("results from the cache", async () => (await s.execute("return document.getElementById('results-heading')?.dataset.answered")) === "Summerland");
      const found = await s.execute("return [...document.querySelectorAll('.hit-title')].map(a => a.textContent)");
      assert.ok(found.some((t) => /Summerland/.test(t)), found.join(" | "));
      await screenshot(s, "hub-offline");
      await inChinese(s, "hub-offline-zh", /离线/);

      // A student books while the hub is away: the booking waits on this workstation,
      // shown as waiting for the connection.
      const type = async (css, text) => s.cmd("POST", `/element/${await s.find(css)}/value`, { text });
      await s.click(await s.find('nav a[data-route="consultations"]'));
      await s.click(await s.waitFor("the subject list", () => s.find('[data-testid="con-discipline"] option[value="world-history"]')));
      const card = '[data-librarian="lib-okafor"]';
      await s.clickOn(`${card} button.slot`);
      await s.waitFor("the booking form", () => s.find("#b-name"));
      await type("#b-name", "Lin Wei");
      await type("#b-email", "lin.wei@student.example");
      await s.click(await s.find('.booking-form button[type="submit"]'));
      const code = await s.waitFor("the booking code", () => s.textOf('[data-testid="booking-code"]'), 30000);
      assert.match(await s.textOf('[data-testid="confirmation"]'), /as soon as the connection is back/);
      const mine = `[data-booking="${code}"]`;
      assert.equal(await s.execute(`return document.querySelector('${mine}')?.dataset.hub`), "pending");
      await screenshot(s, "hub-booking-pending");

      // Back again: "Try now" sends the booking and brings the catalogue up to date.
      await hub.startServing();
      await s.click(await s.find('[data-testid="sync-status"] button'));
      await s.waitFor("up to date again", async () => (await syncState(s)) === "current", 30000);
      await s.waitFor("the booking confirmed by the hub", async () => (await s.execute(`return document.querySelector('${mine}')?.dataset.hub`)) === "confirmed", 15000);
      const held = hub.query("SELECT count(*) FROM bookings WHERE status = 'booked'");
      assert.equal(held.trim(), "1");

      // The librarian signs in (here and on the hub) and subscribes to her calendar feed.
      await s.cmd("POST", "/url", { url: await s.execute("return location.href.split('#')[0] + '#/librarian'") });
      await type("#lib-username", "librarian");
      await type("#lib-password", "meridian-demo");
      await s.click(await s.find('.sign-in button[type="submit"]'));
      await s.waitFor("signed in", () => s.textOf('[data-testid="session"]'));
      await s.cmd("POST", "/url", { url: await s.execute("return location.href.split('#')[0] + '#/consultations/desk'") });
      await s.click(await s.waitFor("the feed button", () => s.find('[data-testid="new-feed"]')));
      const feed = await s.waitFor("the feed address", () => s.execute("return document.getElementById('feed-url')?.value || null"));
      assert.match(feed, /^http:\/\/127\.0\.0\.1:\d+\/calendar\/[0-9a-f]{48}\.ics$/);
      const ics = await (await fetch(feed)).text();
      assert.match(ics, /BEGIN:VCALENDAR/);
      assert.match(ics, /Lin Wei/);
      await screenshot(s, "hub-calendar-feed");

      // The resource list is the consortium's: an edit here is made on the hub, for every
      // workstation, under the librarian's name.
      const base = await s.execute("return location.href.split('#')[0]");
      const edit = async (text) => {
        await s.cmd("POST", "/url", { url: `${base}#/disciplines/resource/res-stata` });
        await s.click(await s.waitFor("the edit button", () => s.find('[data-testid="edit-resource"]')));
        await s.waitFor("the form with its values", async () => (await s.execute("return document.getElementById('f-name')?.value")) === "Stata");
        await type("#f-description", text);
        await s.click(await s.find('.resource-form button[type="submit"]'));
      };
      await edit(" Version 19.");
      await s.waitFor("the resource's page", () => s.find('article.resource-detail[data-resource="res-stata"]'));
      assert.match(hub.query("SELECT body->>'description' FROM resources WHERE id = 'res-stata'").trim(), /Version 19\.$/);
      assert.equal(hub.query("SELECT username || ' ' || action FROM resource_audit WHERE username <> 'resource list import'").trim(), "librarian save");
      // The hub out of reach: the change is refused, and nothing changes anywhere.
      await hub.stopServing();
      await edit(" Version 20.");
      await s.waitFor("the refusal", () => s.find('.resource-form [data-error-code="shared_list_offline"]'));
      await screenshot(s, "hub-resource-offline");
      await hub.startServing();
      assert.doesNotMatch(hub.query("SELECT body->>'description' FROM resources WHERE id = 'res-stata'"), /Version 20/);
      // The office's yearly cost survives the librarian's edit.
      assert.equal(hub.query("SELECT body->>'yearly_cost' FROM resources WHERE id = 'res-stata'").trim(), "5200");

      // What this workstation counted reached the hub with the sync, as North's; the
      // librarian reads North's statistics from the hub.
      // (The background sync runs every 3 s here.)
      await s.waitFor("the usage sent", () => hub.query("SELECT count(*) FROM usage_counts").trim() !== "0", 30000);
      await s.cmd("POST", "/url", { url: `${base}#/usage` });
      await s.waitFor("North's statistics", async () => (await s.execute("return document.querySelector('[data-testid=\"usage-scope\"]')?.dataset.scope ?? null")) === "library", 15000);
      assert.match(await s.textOf('[data-testid="usage-scope"]'), /North Library/);
      const searches = Number(await s.textOf('[data-usage-total="search"] .value'));
      const onHub = Number(hub.query("SELECT coalesce(sum(count), 0) FROM usage_counts WHERE metric = 'search'").trim());
      assert.ok(searches > 0 && searches === onHub, `${searches} searches shown, ${onHub} on the hub`);
      assert.equal(hub.query("SELECT count(*) FROM usage_counts u JOIN tokens t ON t.id = u.token_id WHERE t.library_id <> 'north'").trim(), "0");
      await screenshot(s, "hub-usage-statistics");

      // IT images the next workstation from this one: a snapshot (written while the app
      // runs), a new workstation provisioned from it (not from another hub's), whose first
      // sync has nothing left to bring; and the hub's fleet view lists this one.
      const image = join(dir, "room.snapshot");
      const made = runCli(dir, ["snapshot", "create", image], { COMMONS_HUB_ALLOW_INSECURE_HTTP: "true" });
      assert.equal(made.status, 0, made.stderr);
      assert.match(made.stdout, /records of http:\/\/127\.0\.0\.1:\d+\/ at feed cursor \d+/);
      const next = dataDir("hub-imaged");
      const other = runCli(next, ["provision", "--hub", "http://127.0.0.1:9/", "--token-file", rightToken, "--allow-insecure-http", "--no-check", "--snapshot", image]);
      assert.notEqual(other.status, 0);
      assert.match(other.stderr, /made from the hub/);
      const imaged = runCli(next, ["provision", "--hub", hub.url, "--token-file", rightToken, "--allow-insecure-http", "--snapshot", image]);
      assert.equal(imaged.status, 0, imaged.stderr);
      assert.match(imaged.stdout, /started from the snapshot of http:\/\/127\.0\.0\.1:\d+\/ \(\d+ records/);
      const caught = runCli(next, ["sync"], { COMMONS_HUB_ALLOW_INSECURE_HTTP: "true" });
      assert.equal(caught.status, 0, caught.stderr);
      // Only what came after the snapshot: no record (a change or two of another kind may have).
      assert.match(caught.stdout, /: [01] pages, 0 records changed/);
      const fleet = JSON.parse(hub.cli("workstations", "--json").stdout);
      const ic01 = fleet.find((w) => w.name === "IC-01");
      assert.ok(ic01 && ic01.last_seen && ic01.version && ic01.lag === 0 && ic01.library === "north", JSON.stringify(fleet));
    } finally {
      await app.stop({ cleanup: true });
    }
  } finally {
    await hub.stop();
  }
});
