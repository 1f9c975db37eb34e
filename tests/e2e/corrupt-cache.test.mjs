// A damaged cache gives a clear message and a way out that keeps the old file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cachePath, dataDir, launch, screenshot, writeFile } from "./harness.mjs";

test("a garbage cache file is reported, set aside and rebuilt from the demo data", async () => {
  const dir = dataDir("corrupt");
  const garbage = Buffer.from("these are not the pages of an SQLite database\n".repeat(300));
  writeFile(cachePath(dir), garbage);
  const app = await launch(dir);
  try {
    const s = app.session;
    const code = await s.waitFor("the problem screen", async () =>
      s.attribute(await s.find(".problem"), "data-error-code"),
    );
    assert.equal(code, "cache_corrupt");
    assert.match(await s.textOf(".problem .lead"), /damaged/);
    await screenshot(s, "cache-corrupt");
    // The same screen in Chinese (axe-core checks it too), then back to English.
    const lead = await s.textOf(".problem .lead");
    await s.clickOn('button[data-language="zh-Hans"]');
    await s.waitFor("the problem in Chinese", async () => (await s.textOf(".problem .lead")) !== lead);
    assert.equal(await s.execute("return document.documentElement.lang"), "zh-Hans");
    await screenshot(s, "cache-corrupt-zh");
    await s.clickOn('button[data-language="en"]');
    await s.waitFor("English again", async () => (await s.textOf(".problem .lead")) === lead);

    await s.click(await s.find(".problem button.primary"));
    await s.waitFor("the home screen after rebuilding", () => s.textOf(".home h1"));
    const notice = await s.textOf(".notice p");
    assert.match(notice, /previous cache was kept at .*commons\.db\.broken-/);

    const kept = readdirSync(join(dir, "data")).filter((f) => f.startsWith("commons.db.broken-"));
    assert.equal(kept.length, 1);
    assert.deepEqual(readFileSync(join(dir, "data", kept[0])), garbage, "the old file is kept byte for byte");
    assert.ok(existsSync(cachePath(dir)));
  } finally {
    await app.stop({ cleanup: true });
  }
});

test("a data directory that cannot be created is reported without a rebuild offer", async () => {
  const dir = dataDir("unusable");
  // The data directory's place is taken by a file.
  writeFile(join(dir, "blocked"), "x");
  const app = await launch(dir, { COMMONS_DATA_DIR: join(dir, "blocked", "data") });
  try {
    const s = app.session;
    const code = await s.waitFor("the problem screen", async () =>
      s.attribute(await s.find(".problem"), "data-error-code"),
    );
    assert.equal(code, "data_dir_unusable");
    assert.equal((await s.findAll(".problem button.primary")).length, 0);
  } finally {
    await app.stop({ cleanup: true });
  }
});
