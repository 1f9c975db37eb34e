// Starts the real Commons binary under Xvfb through tauri-driver and WebKitGTK's WebDriver,
// each app with its own temporary data directory.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, existsSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session } from "./webdriver.mjs";

export const root = resolve(import.meta.dirname, "../..");
export const artifacts = join(root, "tests", "artifacts");
mkdirSync(artifacts, { recursive: true });

const targetDir = process.env.CARGO_TARGET_DIR
  ? resolve(process.env.CARGO_TARGET_DIR)
  : join(root, "target");
export const application =
  process.env.COMMONS_E2E_BINARY ?? join(targetDir, process.env.COMMONS_E2E_PROFILE ?? "debug", "commons");

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

let display = process.env.DISPLAY;
let xvfb;

/** Starts Xvfb once for the whole run unless a display is already there. */
async function ensureDisplay() {
  if (display) return display;
  for (let n = 90; n < 110; n++) {
    if (existsSync(`/tmp/.X${n}-lock`)) continue;
    xvfb = spawn("Xvfb", [`:${n}`, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], {
      stdio: "ignore",
    });
    for (let i = 0; i < 50 && !existsSync(`/tmp/.X11-unix/X${n}`); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    xvfb.unref();
    display = `:${n}`;
    process.on("exit", () => xvfb?.kill());
    return display;
  }
  throw new Error("no free X display for Xvfb");
}

/** A fresh data directory (cache, documents, logs, config) for one app. */
export function dataDir(name) {
  const dir = mkdtempSync(join(tmpdir(), `commons-e2e-${name}-`));
  mkdirSync(join(dir, "home"), { recursive: true });
  return dir;
}

export function cachePath(dir) {
  return join(dir, "data", "commons.db");
}

export function writeFile(path, bytes) {
  mkdirSync(resolve(path, ".."), { recursive: true });
  writeFileSync(path, bytes);
}

/** The environment that points Commons at the data directory `dir`. */
function appEnv(dir, extraEnv) {
  return {
    ...process.env,
    HOME: join(dir, "home"),
    XDG_CONFIG_HOME: join(dir, "config"),
    XDG_STATE_HOME: join(dir, "state"),
    COMMONS_DATA_DIR: join(dir, "data"),
    COMMONS_SYSTEM_CONFIG: join(dir, "system-config.toml"),
    ...extraEnv,
  };
}

/** Runs the `commons` command line on `dir` (as IT staff would) and returns its output. */
export function runCli(dir, args, extraEnv = {}) {
  const r = spawnSync(application, args, { env: appEnv(dir, extraEnv), encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Launches Commons on `dir` and returns a WebDriver session plus `stop()`.
 * `stop()` closes the app and tauri-driver; the data directory is kept for inspection
 * unless `cleanup` is passed.
 */
export async function launch(dir, extraEnv = {}) {
  if (!existsSync(application)) {
    throw new Error(`the app binary ${application} does not exist: build it first (cargo build -p commons)`);
  }
  const port = await freePort();
  const nativePort = await freePort();
  const env = { ...appEnv(dir, extraEnv), DISPLAY: await ensureDisplay() };
  // Its own process group, so that stopping it stops WebKitWebDriver and the app with it.
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  running.add(driver);
  let driverLog = "";
  driver.stderr.on("data", (d) => (driverLog = (driverLog + d).slice(-20000)));
  const base = `http://127.0.0.1:${port}`;
  let session;
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      session = await Session.create(base, {
        alwaysMatch: { browserName: "wry", "tauri:options": { application } },
      });
      break;
    } catch (e) {
      if (Date.now() > deadline || driver.exitCode !== null) {
        killGroup(driver);
        throw new Error(`could not start a WebDriver session: ${e.message}\n${driverLog}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  session.log = () => driverLog;
  return {
    session,
    async stop({ cleanup = false } = {}) {
      await session.close();
      killGroup(driver);
      await new Promise((r) => setTimeout(r, 200));
      if (cleanup) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every tauri-driver this test file started and has not stopped: ended when the file ends. */
const running = new Set();
process.on("exit", () => running.forEach(killGroup));
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    running.forEach(killGroup);
    process.exit(1);
  });
}

/**
 * Ends tauri-driver, WebKitWebDriver and the app, even when closing the session did not,
 * and lets go of their output so this test process can exit.
 */
function killGroup(child) {
  running.delete(child);
  for (const signal of ["SIGTERM", "SIGKILL"]) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }
  child.stderr?.destroy();
  child.unref();
}

/**
 * Writes a screenshot to tests/artifacts/NAME.png, and checks the screen as it is with
 * axe-core (WCAG 2.1 A and AA rules): a violation of impact serious or critical fails the
 * test; every finding is written to tests/artifacts/axe/NAME.json.
 */
export async function screenshot(session, name) {
  writeFileSync(join(artifacts, `${name}.png`), await session.screenshot());
  await accessible(session, name);
}

const axeSource = readFileSync(join(root, "ui", "node_modules", "axe-core", "axe.min.js"), "utf8");

/** Runs axe-core on the page as it is now; fails on serious or critical violations. */
export async function accessible(session, name) {
  const loaded = await session.execute("return typeof window.axe === 'object';");
  if (!loaded) await session.execute(`${axeSource}\n;window.axe = axe; return true;`);
  const script = `const done = arguments[arguments.length - 1];
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"] })
      .then((r) => done({ violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")) })), passes: r.passes.length }))
      .catch((e) => done({ error: String(e) }));`;
  const result = await session.cmd("POST", "/execute/async", { script, args: [] });
  if (result.error) throw new Error(`axe-core could not check ${name}: ${result.error}`);
  mkdirSync(join(artifacts, "axe"), { recursive: true });
  writeFileSync(join(artifacts, "axe", `${name}.json`), JSON.stringify(result, null, 2));
  const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (serious.length > 0) {
    const lines = serious.map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 5).join("\n    ")}`);
    throw new Error(`accessibility of ${name} (axe-core):\n${lines.join("\n")}`);
  }
}

/** A one-page PDF showing `text`, or drawing only a line (like a scan, no text) without it. */
export function tinyPdf(text) {
  const content = text === undefined ? "72 720 m 540 720 l S" : `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let out = "%PDF-1.4\n";
  const offsets = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return out;
}
