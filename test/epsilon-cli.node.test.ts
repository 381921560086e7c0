// `mlleaks epsilon` through the real binary: scores from a randomized-response run at a known
// epsilon (seeded) as a text column and as .npy give the same bounds, below the true epsilon;
// bad files exit 1 naming the file and line; usage errors exit 2.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { encodeNpy } from "../src/datasets/npy.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";

const bin = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mlleaks-epsilon-"));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, "epsilon", ...args], { encoding: "utf8" });

const test = suite("epsilon cli");
test.before(async () => {
  await initKernels();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("randomized response at epsilon 2: text and .npy inputs agree, both bounds below 2 and above 1", () => {
  const rng = new Pcg32(5);
  const m = 3000;
  const inclusion = rng.fillFloat64(m);
  const truth = rng.fillFloat64(m);
  const members = Uint8Array.from(inclusion, (u) => (u < 0.5 ? 1 : 0));
  const keep = 1 / (1 + Math.exp(-2));
  const scores = Float64Array.from(members, (b, i) => (truth[i]! < keep ? b : 1 - b) + 0.01 * inclusion[i]!);
  writeFileSync(join(dir, "scores.csv"), "score\n" + Array.from(scores).join("\n") + "\n");
  writeFileSync(join(dir, "members.txt"), Array.from(members).join("\n") + "\n");
  writeFileSync(join(dir, "scores.npy"), encodeNpy(scores, [m]));
  writeFileSync(join(dir, "members.npy"), encodeNpy(members, [m]));
  const text = run("--scores", join(dir, "scores.csv"), "--members", join(dir, "members.txt"), "--json");
  assert.is(text.status, 0, text.stderr);
  const npy = run("--scores", join(dir, "scores.npy"), "--members", join(dir, "members.npy"), "--json");
  assert.is(npy.status, 0, npy.stderr);
  assert.is(text.stdout, npy.stdout, "the same numbers from either format");
  const result = JSON.parse(text.stdout);
  assert.is(result.records, m);
  assert.is(result.delta, 1e-5);
  for (const bound of [result.roc.epsilon, result.oneRun.epsilon]) assert.ok(bound > 1 && bound <= 2, `bound ${bound} within (1, 2]`);
  const human = run("--scores", join(dir, "scores.csv"), "--members", join(dir, "members.txt"), "--delta", "0");
  assert.is(human.status, 0);
  assert.match(human.stdout, /ROC bound .*epsilon >= \d\.\d{3}/);
  assert.match(human.stdout, /one-run audit .*epsilon >= \d\.\d{3}/);
});

test("bad input: file and line named (exit 1); usage errors (exit 2)", () => {
  writeFileSync(join(dir, "bad.txt"), "0.5\nabc\n");
  writeFileSync(join(dir, "flags.txt"), "1\n2\n");
  writeFileSync(join(dir, "two.txt"), "0.1\n0.2\n");
  const bad = run("--scores", join(dir, "bad.txt"), "--members", join(dir, "flags.txt"));
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /bad\.txt: line 2 is 'abc', expected a finite number/);
  const flags = run("--scores", join(dir, "two.txt"), "--members", join(dir, "flags.txt"));
  assert.is(flags.status, 1);
  assert.match(flags.stderr, /flags\.txt: entry 2 is 2, expected 0 \(non-member\) or 1 \(member\)/);
  writeFileSync(join(dir, "three.txt"), "1\n0\n1\n");
  const length = run("--scores", join(dir, "two.txt"), "--members", join(dir, "three.txt"));
  assert.is(length.status, 2);
  assert.match(length.stderr, /2 scores but .*three\.txt has 3 flags/);
  const delta = run("--scores", join(dir, "two.txt"), "--members", join(dir, "two.txt"), "--delta", "1");
  assert.is(delta.status, 2);
  assert.match(delta.stderr, /--delta expects a number from 0/);
});

test.run();
