// A real consortium hub for end-to-end tests: PostgreSQL started in a temporary directory
// (initdb and pg_ctl, as `nobody` when run as root), `commons-hub` migrating, harvesting two
// member libraries from pyoai's OAI-PMH provider (crates/hub/tests/oai_provider.py) serving
// records of ../shared/corpus, with the consortium's name, roster and resource list set, and
// serving the feed.
import { spawn, spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, readFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { root } from "./harness.mjs";

const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, "target");
const hubBinary = join(targetDir, process.env.COMMONS_E2E_PROFILE ?? "debug", "commons-hub");
const corpus = resolve(root, "../shared/corpus/marc");
const isRoot = process.getuid?.() === 0;

function pgBin() {
  const base = "/usr/lib/postgresql";
  const versions = readdirSync(base)
    .map((v) => join(base, v, "bin"))
    .filter((b) => existsSync(join(b, "initdb")))
    .sort();
  if (!versions.length) throw new Error("PostgreSQL is not installed (scripts/setup --test installs it)");
  return versions.at(-1);
}

function run(program, args, { asPostgres = false, input } = {}) {
  const [cmd, argv] =
    asPostgres && isRoot ? ["setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", program, ...args]] : [program, args];
  // pg_ctl's server keeps inherited pipes open: its output goes to its log file instead.
  const r = spawnSync(cmd, argv, { encoding: "utf8", input, stdio: program.endsWith("pg_ctl") ? "ignore" : "pipe" });
  if (r.status !== 0) throw new Error(`${program} ${args.join(" ")} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function firstLine(child) {
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) return line;
  throw new Error("no output");
}

async function waitFor(url) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

/** `sharing`: South also holds a book no one else has, and has its own librarian (Kwame
 *  Osei, `south-desk`), for requests between the two libraries. */
export const SOUTH_LIBRARIAN = { username: "south-desk", password: "south-desk-interlibrary" };

/**
 * Hubs started and not stopped: a test file that fails or is ended by the runner's time limit
 * stops them on its way out, so that no OAI-PMH provider keeps the runner's output open and no
 * PostgreSQL outlives the run.
 */
const live = new Set();
process.on("exit", () => live.forEach((kill) => kill()));

export async function startHub({ sharing = false } = {}) {
  if (!existsSync(hubBinary)) throw new Error(`${hubBinary} does not exist: cargo build -p commons-hub`);
  const dir = mkdtempSync(join(tmpdir(), "commons-e2e-hub-"));
  if (isRoot) chownSync(dir, 65534, 65534);
  const bin = pgBin();
  const data = join(dir, "data");
  run(join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "-N"], { asPostgres: true });
  run(join(bin, "pg_ctl"), ["-D", data, "-o", `-k ${dir} -c listen_addresses= -F`, "-l", join(dir, "log"), "-w", "start"], { asPostgres: true });
  const providers = [];
  let server = null;
  const kill = () => {
    live.delete(kill);
    server?.kill("SIGKILL");
    for (const p of providers) p.kill("SIGKILL");
    const stop = [join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"];
    spawnSync(...(isRoot ? ["setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", ...stop]] : [stop[0], stop.slice(1)]), { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  live.add(kill);
  const database = `host=${dir} port=5432 user=postgres dbname=postgres`;
  const hub = (...args) => run(hubBinary, ["--database", database, ...args]);
  // The demo librarian has an account on the hub too: her desk shows every workstation's bookings.
  run(hubBinary, ["--database", database, "migrate"]);
  run(hubBinary, ["--database", database, "librarian", "add", "librarian", "--name", "Adaeze Okafor", "--librarian", "lib-okafor"], { input: "meridian-demo\n" });
  hub("migrate");

  // Two member libraries: North publishes MARCXML, South Dublin Core of the same two novels.
  const entry = (id, file, index) => ({ id, datestamp: "2026-01-01T00:00:00Z", source: join(corpus, file), index });
  for (const [library, name, prefix, records] of [
    // North's format is found by asking it (ListMetadataFormats); South's is named.
    ["north", "North Library", null, [entry("oai:north:1", "marc4j-chabon.mrc", 0), entry("oai:north:2", "marc4j-chabon.mrc", 1), ...Array.from({ length: 6 }, (_, i) => entry(`oai:north:s${i}`, "marc4j-selectedRecs.mrc", i))]],
    ["south", "South Library", "oai_dc", [entry("oai:south:1", "marc4j-chabon.xml", 0), entry("oai:south:2", "marc4j-chabon.xml", 1), ...(sharing ? [entry("oai:south:3", "marc4j-pride-and-prejudice-fixed.mrc", 0)] : [])]],
  ]) {
    const manifest = join(dir, `${library}.json`);
    writeFileSync(manifest, JSON.stringify({ name, batch: 3, records }));
    const child = spawn("python3", [join(root, "crates/hub/tests/oai_provider.py"), manifest], { stdio: ["ignore", "pipe", "inherit"] });
    providers.push(child);
    const port = (await firstLine(child)).split(" ")[1];
    hub("library", "add", library, "--name", name, "--oai", `http://127.0.0.1:${port}/oai`, ...(prefix ? ["--prefix", prefix] : []));
  }
  // The consortium office sets what workstations show and book: the consortium's name, the
  // roster (North's time zone, Adaeze Okafor's hours there, the consultation types) and the
  // resource list. A provisioned workstation has nothing else: no demo data.
  hub("consortium", "set", "--name", "Lakeland Library Consortium", "--name-zh", "湖区图书馆联盟");
  const demo = (file) => JSON.parse(readFileSync(join(root, "assets/demo", file), "utf8"));
  const okafor = demo("librarians.json").find((l) => l.id === "lib-okafor");
  const roster = join(dir, "roster.json");
  writeFileSync(
    roster,
    JSON.stringify({
      libraries: [
        { id: "north", name: "North Library", name_zh: "北区图书馆", city: "Chicago", city_zh: "芝加哥", time_zone: "America/Chicago" },
        ...(sharing ? [{ id: "south", name: "South Library", name_zh: "南区图书馆", city: "Springfield", city_zh: "斯普林菲尔德", time_zone: "America/Chicago" }] : []),
      ],
      librarians: [{ ...okafor, library: "north" }, ...(sharing ? [{ ...okafor, id: "lib-osei", name: "Kwame Osei", email: "k.osei@south.example.edu", library: "south", hours: [] }] : [])],
      consultation_types: demo("consultation_types.json"),
    }),
  );
  hub("roster", "import", roster);
  if (sharing) {
    run(hubBinary, ["--database", database, "librarian", "add", SOUTH_LIBRARIAN.username, "--name", "Kwame Osei", "--librarian", "lib-osei"], { input: `${SOUTH_LIBRARIAN.password}\n` });
  }
  hub("resource", "import", join(root, "assets/demo/resources.json"));
  hub("harvest");
  // The workstation stands in North's Information Commons: its usage counts are North's.
  const token = hub("token", "create", "IC-01", "--library", "north").trim();

  // Delivered copies (document delivery) are kept here.
  const documents = join(dir, "documents");
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = `http://127.0.0.1:${port}/`;
  const handle = {
    url,
    token,
    database,
    documents,
    /** Runs `commons-hub` on this hub's database: its exit status and output. */
    cli(...args) {
      const r = spawnSync(hubBinary, ["--database", database, ...args], { encoding: "utf8" });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    /** One value from the hub's database, as psql prints it. */
    query(sql) {
      return run(join(bin, "psql"), ["-h", dir, "-U", "postgres", "-d", "postgres", "-At", "-c", sql]);
    },
    async startServing() {
      server = spawn(hubBinary, ["--database", database, "--documents-dir", documents, "serve", "--listen", `127.0.0.1:${port}`], { stdio: "ignore" });
      await waitFor(`${url}healthz`);
    },
    async stopServing() {
      if (!server) return;
      const s = server;
      server = null;
      const gone = new Promise((r) => s.once("exit", r));
      s.kill("SIGINT");
      await gone;
    },
    async stop() {
      live.delete(kill);
      await handle.stopServing();
      for (const p of providers) p.kill();
      try {
        run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], { asPostgres: true });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  await handle.startServing();
  return handle;
}
