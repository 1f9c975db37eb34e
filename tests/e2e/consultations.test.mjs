// Consultation booking in the real window: a student books (a bad email is refused), saves
// the .ics and cancels; books again; the librarian signs in, finds the booking at her desk,
// checks the student in, completes it with a READ level, and the statistics show it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir, launch, screenshot } from "./harness.mjs";

test("a student books and cancels; the librarian checks in, completes and sees the statistics", async () => {
  const dir = dataDir("consultations");
  const downloads = join(dir, "downloads");
  const app = await launch(dir, { XDG_DOWNLOAD_DIR: downloads });
  try {
    const s = app.session;
    const type = async (css, text) => s.cmd("POST", `/element/${await s.find(css)}/value`, { text });
    const clear = async (css) => s.cmd("POST", `/element/${await s.find(css)}/clear`, {});
    await s.waitFor("the home screen", () => s.textOf(".home h1"));
    await s.click(await s.find('nav a[data-route="consultations"]'));

    // World History: Adaeze Okafor covers it; her free times are in Chicago time.
    // Chosen until the list shows it (an option clicked while the list is redrawn is lost).
    await s.waitFor("World History chosen", async () => {
      await s.click(await s.find('[data-testid="con-discipline"] option[value="world-history"]'));
      return (await s.execute("return document.querySelector('[data-testid=\"con-discipline\"]').value")) === "world-history";
    });
    const card = '[data-librarian="lib-okafor"]';
    // Her card with its free times drawn (the list is drawn again once the subject's answer
    // comes).
    await s.waitFor(
      "her free times",
      async () =>
        (await s.execute("return document.querySelector('ul.librarian-slots')?.dataset.answered ?? null")) === "world-history" &&
        (await s.findAll(`${card} button.slot`)).length >= 6,
    );
    assert.match(await s.textOf(`${card} .slots-heading`), /Meridian Central Library \(C[SD]T\)/);
    await screenshot(s, "consultations-slots");
    const slots = await s.findAll(`${card} button.slot`);
    assert.ok(slots.length >= 6, `${slots.length} times offered`);
    const first = await s.attribute(slots[5], "data-slot");
    await s.click(slots[5]);

    // A bad email is refused with the field named; then the booking goes through.
    await s.waitFor("the booking form", () => s.find("#b-name"));
    assert.equal(await s.execute("return document.getElementById('b-topic').value"), "World History");
    // Before booking, the student is told until when it can be cancelled online (this time
    // is hours ahead: well before the type's cutoff).
    assert.match(await s.textOf('[data-testid="cancel-until"]'), /\d/);
    assert.equal((await s.findAll('[data-testid="cancel-too-late"]')).length, 0);
    await type("#b-name", "Lin Wei");
    await type("#b-email", "not-an-email");
    await s.click(await s.find('.booking-form button[type="submit"]'));
    await s.waitFor("the email problem", () => s.find('[data-problem="email/invalid_email"]'));
    await clear("#b-email");
    await type("#b-email", "lin.wei@student.example");
    await type("#b-description", "Sources for an essay on the Atlantic world.");
    await s.click(await s.find('.booking-form button[type="submit"]'));
    const code = await s.waitFor("the booking code", () => s.textOf('[data-testid="booking-code"]'));
    assert.match(code, /^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    assert.match(await s.textOf('[data-testid="cancel-hint"]'), /cancel online, until .*\d/);
    await screenshot(s, "consultations-confirmed");

    // The calendar file.
    await s.click(await s.find('[data-testid="save-ics"]'));
    await s.waitFor("the saved notice", () => s.textOf('[data-testid="ics-notice"]'));
    const ics = readdirSync(downloads).filter((f) => f.endsWith(".ics"));
    assert.equal(ics.length, 1);
    const calendar = readFileSync(join(downloads, ics[0]), "utf8");
    assert.match(calendar, /BEGIN:VEVENT\r\n/);
    assert.ok(calendar.includes(`DTSTART:${first.replace(/[-:]/g, "")}`), calendar);
    assert.ok(!calendar.includes("lin.wei"), "no personal data in the calendar file");

    // Cancel from this session's list: the time is offered again.
    await s.click(await s.waitFor("this session's list", () => s.find(`[data-booking="${code}"] [data-testid="cancel-mine"]`)));
    await s.waitFor("cancelled", async () => (await s.execute(`return document.querySelector('[data-booking="${code}"]')?.dataset.status`)) === "cancelled");
    await s.waitFor("the time offered again", async () => (await s.findAll(`${card} button.slot[data-slot="${first}"]`)).length === 1);
    // An unknown code is explained.
    await type("#cancel-code", "zzzz-2222");
    await s.click(await s.find(".cancel-by-code button"));
    await s.waitFor("the unknown code", () => s.find('.cancel-by-code [data-error-code="unknown_code"]'));

    // Book again, to be seen at the desk.
    await s.click(await s.find(`${card} button.slot[data-slot="${first}"]`));
    await s.waitFor("the booking form", () => s.find("#b-name"));
    await s.click(await s.find('.booking-form button[type="submit"]'));
    const second = await s.waitFor("the second code", () => s.textOf('[data-testid="booking-code"]'));
    assert.notEqual(second, code);

    // The librarian signs in and opens her desk on that day.
    await s.cmd("POST", "/url", { url: await s.execute("return location.href.split('#')[0] + '#/librarian'") });
    await type("#lib-username", "librarian");
    await type("#lib-password", "meridian-demo");
    await s.click(await s.find('.sign-in button[type="submit"]'));
    await s.waitFor("signed in", () => s.textOf('[data-testid="session"]'));
    await s.cmd("POST", "/url", { url: await s.execute("return location.href.split('#')[0] + '#/consultations/desk'") });
    await s.waitFor("the desk with today's queue", () => s.find('[data-testid="queue-heading"]'));
    const day = await s.execute(
      `const p = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date('${first}'));
       const get = (t) => p.find((x) => x.type === t).value;
       return get('year') + '-' + get('month') + '-' + get('day');`,
    );
    await s.execute(
      `const el = document.querySelector('.consultations input[type=date]'); el.value = '${day}';
       el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true }));`,
    );
    const row = `tr[data-booking="${second}"]`;
    await s.waitFor("the chosen day", async () => (await s.execute("return document.querySelector('[data-testid=\"queue-heading\"]')?.dataset.date")) === day);
    await screenshot(s, "consultations-desk-day");
    await s.waitFor("the booking in the queue", () => s.find(row));
    assert.match(await s.textOf(row), /Lin Wei/);
    assert.match(await s.textOf(row), /lin\.wei@student\.example/);
    await s.click(await s.find(`${row} [data-action="checkIn"]`));
    await s.waitFor("checked in", async () => (await s.execute(`return document.querySelector('${row}')?.dataset.status`)) === "checked_in");
    await s.click(await s.find(`${row} [data-action="complete"]`));
    await s.click(await s.waitFor("the READ scale", () => s.find('[data-testid="read-level"] option[value="4"]')));
    await type('[data-testid="outcome"]', "Showed the Atlantic World database and two archives.");
    await s.click(await s.find('[data-testid="save-outcome"]'));
    await s.waitFor("completed", async () => (await s.execute(`return document.querySelector('${row}')?.dataset.status`)) === "completed");
    await screenshot(s, "consultations-desk");

    // Consultation types: a length out of range is refused with the range; a new type is saved
    // and listed.
    await s.click(await s.find('[data-testid="new-type"]'));
    await type("#type-name", "Thesis clinic");
    await type("#type-name-zh", "论文诊所");
    await clear("#type-minutes");
    await type("#type-minutes", "600");
    await s.click(await s.find('[data-testid="save-type"]'));
    await s.waitFor("the range named", () => s.find('[data-problem="minutes/out_of_range"]'));
    assert.match(await s.textOf('[data-problem="minutes/out_of_range"]'), /5–480/);
    await clear("#type-minutes");
    await type("#type-minutes", "45");
    await s.click(await s.find('[data-testid="save-type"]'));
    await s.waitFor("saved", () => s.textOf('[data-testid="type-saved"]'));
    const added = await s.waitFor("listed", () => s.textOf('tr[data-type="thesis-clinic"]'));
    assert.match(added, /Thesis clinic\s+45/);
    await screenshot(s, "consultations-types");

    // The statistics chart shows the consultation at READ level 4.
    await s.click(await s.find('.tabs a[data-tab="stats"]'));
    await s.waitFor("the READ chart", () => s.find('[data-chart="read"]'));
    const levels = await s.execute(
      "return [...document.querySelectorAll('[data-chart=\"read\"] tr')].map(r => [r.querySelector('th').textContent.trim(), r.querySelector('.bar-value').textContent.trim()])",
    );
    assert.deepEqual(levels[3], ["Level 4", "1"]);
    assert.equal(await s.textOf('[data-count="completed"] .value'), "1");
    await s.click(await s.find('[data-testid="stats-csv"]'));
    await s.waitFor("the CSV", () => readdirSync(downloads).some((f) => f.endsWith(".csv")));
    const csv = readFileSync(join(downloads, readdirSync(downloads).find((f) => f.endsWith(".csv"))), "utf8");
    assert.match(csv, /,Adaeze Okafor,Meridian Central Library,research,history,completed,4\r\n/);
    assert.ok(!csv.includes("Lin Wei"), "statistics are anonymised");
    await screenshot(s, "consultations-statistics");
  } finally {
    await app.stop({ cleanup: true });
  }
});
