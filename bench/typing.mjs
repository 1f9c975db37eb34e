#!/usr/bin/env node
// What a typing student feels: the real window, driven through WebDriver on a large cache,
// types catalogue titles letter by letter at a steady pace, and the page itself reports when
// each keystroke arrived and when the results for each text were drawn.
//
//   node bench/typing.mjs [RECORDS] [--titles N] [--cps C]
//
// RECORDS defaults to 1,000,000: the catalogue benchmark's synthetic catalogue of that size
// (crates/core/benches/catalogue.rs, imported with the real importer and indexed), built once
// and kept under /var/tmp/commons-typing-RECORDS (COMMONS_TYPING_DIR to put it elsewhere).
// The app is the release build, on a production workstation (no demo data), under Xvfb.
//
// For each keystroke k: the time from its input event until results answering k, or a later
// keystroke, are drawn (a task after the frame that follows the DOM update). While a search
// runs, the keystrokes typed meanwhile are answered together by the next one (the box never
// queues old texts), so some texts are never drawn on their own: they count as answered by the
// later results, which is what the student sees. An answer drawn after a newer one (overtaken)
// is counted and fails the run. Prints p50/p95/max and the app's resident memory afterwards.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const records = Number((args.find((a) => /^\d[\d_]*$/.test(a)) ?? "1000000").replaceAll("_", ""));
const titleCount = option("--titles", 12);
const perSecond = option("--cps", 8);
const dir = process.env.COMMONS_TYPING_DIR ?? `/var/tmp/commons-typing-${records}`;
const data = join(dir, "data");
const target = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, "target");

function step(what, command, argv, options = {}) {
  console.error(`== ${what}`);
  const r = spawnSync(command, argv, { stdio: ["ignore", "inherit", "inherit"], ...options });
  if (r.status !== 0) throw new Error(`${what} failed (${command} ${argv.join(" ")}: ${r.status})`);
}

step("building the UI", "npm", ["run", "build"], { cwd: join(root, "ui"), stdio: ["ignore", "ignore", "inherit"] });
step("building the app (release)", "cargo", ["build", "--release", "-p", "commons", "--bin", "commons"], { cwd: root });
if (!existsSync(join(data, "index"))) {
  mkdirSync(data, { recursive: true });
  step(`building a ${records}-record catalogue in ${data}`, "cargo", [
    "bench", "-p", "commons-core", "--bench", "catalogue", "--", String(records), "--no-fts5",
  ], { cwd: root, env: { ...process.env, COMMONS_BENCH_DIR: data } });
  for (const file of readdirSync(data)) {
    if (/^catalogue(-\d+)?\.mrc$/.test(file)) rmSync(join(data, file), { force: true });
  }
}
mkdirSync(join(dir, "home"), { recursive: true });

// Titles a student would type: spread over the catalogue, cut at a word boundary.
const picked = spawnSync("python3", ["-c", `
import sqlite3, sys, json
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
n = db.execute("SELECT max(rowid) FROM records").fetchone()[0]
want, out, step = int(sys.argv[2]), [], max(1, n // (int(sys.argv[2]) * 3))
for rowid in range(step // 2, n, step):
    row = db.execute("SELECT title FROM records WHERE rowid = ?", (rowid,)).fetchone()
    if row and len(row[0]) >= 8 and row[0] not in out:
        out.append(row[0])
    if len(out) == want:
        break
print(json.dumps(out))
`, join(data, "commons.db"), String(titleCount)], { encoding: "utf8" });
if (picked.status !== 0) throw new Error(`could not pick titles: ${picked.stderr}`);
const titles = JSON.parse(picked.stdout).map((t) => {
  if (t.length <= 32) return t;
  const cut = t.slice(0, 32);
  return cut.includes(" ") ? cut.slice(0, cut.lastIndexOf(" ")) : cut;
});

process.env.COMMONS_E2E_PROFILE = "release";
const { launch } = await import("../tests/e2e/harness.mjs");
const app = await launch(dir, { COMMONS_MODE: "production", RUST_LOG: "warn" });
const s = app.session;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const answered = () => s.execute("return document.getElementById('results-heading')?.dataset.answered ?? null");
const latencies = [];
// For keystrokes answered on their own: keystroke to the answer's arrival (core and IPC),
// and arrival to drawn (the page's update, layout and paint).
const toAnswer = [];
const toDraw = [];
const toUpdate = [];
// By how many letters were in the box: one, two, three, more.
const byLength = [[], [], [], []];
let exact = 0;
let overtaken = 0;
let rssMiB = 0;
try {
  await s.waitFor("the home screen", () => s.textOf(".home h1"), 120000);
  await s.click(await s.find('nav a[data-route="catalogue"]'));
  const input = await s.waitFor("the search box", () => s.find("#catalogue-q"));
  await s.waitFor("the whole catalogue", async () => (await answered()) === "", 120000);
  // One untimed title first: the index's files come into memory as a student's would.
  const warm = [titles.at(-1)];
  for (const [n, title] of [...warm, ...titles].entries()) {
    await s.execute(`const box = document.getElementById('catalogue-q');
      box.value = ''; box.dispatchEvent(new Event('input', { bubbles: true }));`);
    await s.waitFor("the empty box answered", async () => (await answered()) === "", 60000);
    await sleep(500);
    await s.execute("window.commonsTypingProbe = { typed: [], drawn: [] };");
    const started = Date.now();
    const letters = [...title];
    for (const [i, letter] of letters.entries()) {
      const due = started + (i * 1000) / perSecond;
      if (Date.now() < due) await sleep(due - Date.now());
      await s.cmd("POST", `/element/${input}/value`, { text: letter });
    }
    await s.waitFor(`results for "${title}"`, async () => (await answered()) === title, 60000);
    const probe = await s.waitFor("the last results drawn", async () => {
      const p = await s.execute("return window.commonsTypingProbe;");
      return p.drawn.some(([k]) => k === letters.length - 1) ? p : null;
    });
    if (probe.typed.length !== letters.length) {
      throw new Error(`"${title}": ${letters.length} letters typed, the page saw ${probe.typed.length}`);
    }
    let newest = -1;
    for (const [k] of probe.drawn) {
      if (k <= newest) {
        overtaken += 1;
        console.error(`"${title}": the results for keystroke ${k} were drawn after those for ${newest}:`, JSON.stringify(probe));
      }
      newest = Math.max(newest, k);
    }
    if (n < warm.length) continue;
    for (const [k, at] of probe.typed.entries()) {
      const first = probe.drawn.find(([j]) => j >= k);
      latencies.push(first[1] - at);
      byLength[Math.min(k, 3)].push(first[1] - at);
      if (first[0] === k) {
        exact += 1;
        toAnswer.push(first[2] - at);
        toDraw.push(first[1] - first[2]);
        toUpdate.push(first[3] - first[2]);
      }
    }
  }
  const pid = spawnSync("pgrep", ["-f", `${target}/release/commons`], { encoding: "utf8" }).stdout.split("\n")[0];
  rssMiB = treeRssKiB(Number(pid)) / 1024;
} finally {
  await app.stop();
}

function treeRssKiB(pid) {
  if (!pid) return 0;
  let total = 0;
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    const children = spawnSync("pgrep", ["-P", String(pids[i])], { encoding: "utf8" }).stdout;
    pids.push(...children.split("\n").filter(Boolean).map(Number));
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pids[i]}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return total;
}

const sorted = [...latencies].sort((a, b) => a - b);
const quantile = (values, q) => {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
};
const at = (q) => quantile(sorted, q);
console.log(`## What a typing student feels: ${records} records, ${titles.length} titles, ${perSecond} characters/s\n`);
console.log("| keystrokes | answered on their own | p50 | p95 | max | overtaken by an older answer | app resident memory after |");
console.log("|---|---|---|---|---|---|---|");
console.log(
  `| ${sorted.length} | ${exact} | ${at(0.5).toFixed(1)} ms | **${at(0.95).toFixed(1)} ms** | ${sorted.at(-1).toFixed(1)} ms | ${overtaken} | ${rssMiB.toFixed(0)} MiB |`,
);
console.log(
  `\nof which, for keystrokes answered on their own, p50/p95: keystroke to answer (core and IPC) ${quantile(toAnswer, 0.5).toFixed(1)}/${quantile(toAnswer, 0.95).toFixed(1)} ms, answer to drawn ${quantile(toDraw, 0.5).toFixed(1)}/${quantile(toDraw, 0.95).toFixed(1)} ms (of which the DOM update ${quantile(toUpdate, 0.5).toFixed(1)}/${quantile(toUpdate, 0.95).toFixed(1)} ms; the rest is layout, paint and the wait for the next frame)`,
);
console.log(
  `\nby letters in the box, p95: ${byLength.map((v, i) => `${i < 3 ? i + 1 : "4 or more"}: ${quantile(v, 0.95).toFixed(1)} ms`).join(", ")}`,
);
console.log(`\ntitles: ${titles.map((t) => JSON.stringify(t)).join(", ")}`);
if (overtaken > 0) {
  console.error(`${overtaken} answers were drawn after a newer one`);
  process.exit(1);
}
