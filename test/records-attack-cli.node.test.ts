// `mlleaks attack` on the file kinds users have: logits in a CSV and JSON lines, probabilities in
// .npy with labels files, per-record losses; the same scores give the same AUCs whichever the form.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readRecordsFile } from "../src/adapters/node/records.js";
import { encodeNpy } from "../src/datasets/npy.js";
import { crossEntropyLoss, initKernels, Pcg32 } from "../src/kernels/index.js";
import { toPosteriors } from "../src/targets/output.js";

const bin = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mlleaks-records-cli-"));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, "attack", ...args, "--json"], { encoding: "utf8" });
const test = suite("records: mlleaks attack on logits, probabilities and losses files");
test.after(() => rmSync(dir, { recursive: true, force: true }));

const CLASSES = 4;
const ROWS = 150;

/** Logits (float32 values) that favour the true class, more so for members (the overfitting signal). */
async function sideLogits(seed: number, boost: number): Promise<{ logits: Float32Array; labels: Int32Array }> {
  await initKernels();
  const rng = new Pcg32(seed);
  const noise = rng.fillNormal(ROWS * CLASSES);
  const labels = Int32Array.from(rng.permutation(ROWS), (v) => v % CLASSES);
  const logits = Float32Array.from(noise);
  for (let r = 0; r < ROWS; r++) logits[r * CLASSES + labels[r]!]! += boost;
  return { logits, labels };
}

const write = (name: string, data: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};

test("logits (CSV and JSON lines), probabilities (.npy + labels .npy) and losses give the same AUCs", async () => {
  const members = await sideLogits(1, 2);
  const nonMembers = await sideLogits(2, 1);
  const rowsOf = (a: Float32Array, r: number) => Array.from(a.subarray(r * CLASSES, (r + 1) * CLASSES));
  const membersCsv = write("members.csv", ["z0,z1,z2,z3,label", ...Array.from({ length: ROWS }, (_, r) => [...rowsOf(members.logits, r), members.labels[r]].join(","))].join("\r\n") + "\r\n");
  const nonMembersJsonl = write("nonmembers.jsonl", Array.from({ length: ROWS }, (_, r) => JSON.stringify({ logits: rowsOf(nonMembers.logits, r), label: nonMembers.labels[r] })).join("\n") + "\n");
  const fromLogits = run("--members", membersCsv, "--nonmembers", nonMembersJsonl);
  assert.is(fromLogits.status, 0, fromLogits.stderr);
  assert.match(fromLogits.stderr, /read as logits and softmaxed/);
  const logitsReport = JSON.parse(fromLogits.stdout) as { attacks: { name: string; auc: number }[] };
  assert.equal(logitsReport.attacks.map((a) => a.name), ["adversary-3-max", "adversary-3-entropy", "loss", "modified-entropy", "correctness"]);
  const loss = logitsReport.attacks.find((a) => a.name === "loss")!;
  assert.ok(loss.auc > 0.6, `members have lower loss: AUC ${loss.auc}`);

  const probs = (side: typeof members) => toPosteriors(side.logits, ROWS, CLASSES, "logits", "test").posteriors;
  const fromProbabilities = run(
    "--members", write("members.npy", encodeNpy(probs(members).values, [ROWS, CLASSES])),
    "--nonmembers", write("nonmembers.npy", encodeNpy(probs(nonMembers).values, [ROWS, CLASSES])),
    "--members-labels", write("members-labels.npy", encodeNpy(members.labels, [ROWS])),
    "--nonmembers-labels", write("nonmembers-labels.txt", Array.from(nonMembers.labels).join("\n") + "\n"),
  );
  assert.is(fromProbabilities.status, 0, fromProbabilities.stderr);
  assert.equal((JSON.parse(fromProbabilities.stdout) as typeof logitsReport).attacks, logitsReport.attacks);

  const losses = (side: typeof members) => crossEntropyLoss(probs(side), side.labels);
  const fromLosses = run(
    "--members", write("members-loss.csv", ["loss", ...Array.from(losses(members), (v) => String(v))].join("\n")),
    "--nonmembers", write("nonmembers-loss.npy", encodeNpy(Float32Array.from(losses(nonMembers)), [ROWS])),
  );
  assert.is(fromLosses.status, 0, fromLosses.stderr);
  assert.match(fromLosses.stderr, /per-record losses given: only the loss attack runs/);
  const lossReport = JSON.parse(fromLosses.stdout) as typeof logitsReport & { notes: string[] };
  assert.equal(lossReport.attacks.map((a) => a.name), ["loss"]);
  assert.is(lossReport.attacks[0]!.auc, loss.auc);
});

test("bad files exit 1 with the file and field named; mixed kinds and half-given labels files are refused", () => {
  const good = write("good.csv", "z0,z1,label\n2,1,0\n0,3,1\n");
  const missing = run("--members", good, "--nonmembers", write("missing.csv", "z0,z1,label\n2,,0\n"));
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /missing\.csv: line 2, column 'z1': missing value; expected a number/);
  const noColumn = run("--members", good, "--nonmembers", good, "--label-column", "target");
  assert.is(noColumn.status, 1);
  assert.match(noColumn.stderr, /good\.csv: label column 'target' does not exist; the columns are 'z0', 'z1', 'label'/);
  const mixed = run("--members", good, "--nonmembers", write("loss.csv", "loss\n0.5\n"));
  assert.is(mixed.status, 1);
  assert.match(mixed.stderr, /loss\.csv holds one loss per record but .*good\.csv holds logits/);
  const half = run("--members", good, "--nonmembers", good, "--members-labels", good);
  assert.is(half.status, 2);
  assert.match(half.stderr, /give --members-labels and --nonmembers-labels together/);
  const hexLabel = run("--members", write("hex.csv", "p0,p1,label\n0.5,0.5,0x1\n"), "--nonmembers", good);
  assert.is(hexLabel.status, 1);
  assert.match(hexLabel.stderr, /hex\.csv: line 2, field label: expected a class index from 0 to 1, got '0x1'/);
});

test("readRecordsFile: a .npy of features with a labels file from disk; a missing file is named", async () => {
  const x = write("x.npy", encodeNpy(Float32Array.of(1, 2, 3, 4), [2, 2]));
  const table = await readRecordsFile(x, { labelsPath: write("y.csv", "label\n1\n0\n") });
  assert.equal([table.rows, Array.from(table.labels!)], [2, [1, 0]]);
  try {
    await readRecordsFile(join(dir, "absent.csv"));
    assert.unreachable("a missing file must be an error");
  } catch (error) {
    assert.match((error as Error).message, /absent\.csv: no such file/);
  }
});

test.run();
