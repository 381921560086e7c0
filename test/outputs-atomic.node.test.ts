// Multi-file outputs are replaced as a set: a run killed between writes leaves the old set whole
// (reports: report.json + report.html; `mlleaks train`: weights, model.json, meta.json), and the
// temporaries it left are removed, or the old set restored, when the next run starts.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { removeStaleSetTemporaries, writeDirectorySetAtomic } from "../src/adapters/node/fs.js";

const atomic = suite("outputs: written as a set");
const root = mkdtempSync(join(tmpdir(), "mlleaks-atomic-"));
const reportSet = (entry: string) => entry === "report.json" || entry === "report.html";

function writeSet(dir: string, run: string): Promise<void> {
  return writeDirectorySetAtomic(dir, reportSet, async (staging) => {
    writeFileSync(join(staging, "report.json"), `json ${run}`);
    writeFileSync(join(staging, "report.html"), `html ${run}`);
  });
}

atomic("a new set replaces the old one whole, other files in the directory stay", async () => {
  const dir = join(root, "a");
  await writeSet(dir, "1");
  writeFileSync(join(dir, "notes.txt"), "mine");
  await writeSet(dir, "2");
  assert.is(readFileSync(join(dir, "report.json"), "utf8"), "json 2");
  assert.is(readFileSync(join(dir, "report.html"), "utf8"), "html 2");
  assert.is(readFileSync(join(dir, "notes.txt"), "utf8"), "mine");
  assert.equal(readdirSync(root).filter((e) => e.startsWith(".")), []);
});

atomic("a run that fails half-way through its set leaves the old set untouched", async () => {
  const dir = join(root, "b");
  await writeSet(dir, "1");
  try {
    await writeDirectorySetAtomic(dir, reportSet, async (staging) => {
      writeFileSync(join(staging, "report.json"), "json 2");
      throw new Error("killed before report.html");
    });
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /killed before/);
  }
  assert.is(readFileSync(join(dir, "report.json"), "utf8"), "json 1");
  assert.is(readFileSync(join(dir, "report.html"), "utf8"), "html 1");
  assert.equal(readdirSync(root).filter((e) => e.startsWith(".")), []);
});

atomic("a kill between the two renames: the next start puts the old set back and clears temporaries", async () => {
  const dir = join(root, "c");
  await writeSet(dir, "1");
  // What a kill leaves: the old set moved aside, the new one staged but not yet in place.
  renameSync(dir, join(root, ".c.123.456.old"));
  mkdirSync(join(root, ".c.123.456.new"));
  writeFileSync(join(root, ".c.123.456.new", "report.json"), "json 2");
  await removeStaleSetTemporaries(dir);
  assert.is(readFileSync(join(dir, "report.json"), "utf8"), "json 1");
  assert.is(readFileSync(join(dir, "report.html"), "utf8"), "html 1");
  assert.equal(readdirSync(root).filter((e) => e.startsWith(".c.")), []);
});

atomic.after(() => rmSync(root, { recursive: true, force: true }));
atomic.run();
