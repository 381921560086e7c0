// `mlleaks attack --population FILE`: the target's posteriors on population records (digits-mlp.onnx
// on its fixture records, written as CSV with a label column) let attack-p run beside the metric
// attacks, with the library's figures; usage errors name the option.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { initKernels } from "../src/kernels/index.js";
import { openOnnxModel } from "../src/targets/onnx.js";
import { fixtureBytes, fixtureRecords, type FixturePart } from "./targets-fixtures.js";

const bin = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mlleaks-attack-population-"));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, "attack", ...args, "--json"], { encoding: "utf8" });
const test = suite("mlleaks attack --population: attack-p from posterior files");
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("attack-p joins the metric attacks with the library's AUC; usage errors", async () => {
  await initKernels();
  const target = await openOnnxModel(await fixtureBytes("digits-mlp.onnx"), "digits-mlp.onnx");
  const files: Record<string, string> = {};
  const answers: Record<string, { posteriors: Awaited<ReturnType<typeof target.predict>>; labels: Int32Array }> = {};
  try {
    for (const part of ["members", "nonmembers", "population"] as FixturePart[]) {
      const records = await fixtureRecords("digits-mlp", part);
      const p = await target.predict(records.features, records.labels.length);
      answers[part] = { posteriors: p, labels: records.labels };
      const lines = Array.from({ length: p.rows }, (_, r) => [...p.values.subarray(r * 10, (r + 1) * 10), records.labels[r]].join(","));
      files[part] = join(dir, `${part}.csv`);
      writeFileSync(files[part]!, [`${Array.from({ length: 10 }, (_, c) => `p${c}`).join(",")},label`, ...lines].join("\n") + "\n");
    }
  } finally {
    await target.dispose();
  }
  const result = run("--members", files.members!, "--nonmembers", files.nonmembers!, "--population", files.population!, "--alpha", "0.1");
  assert.is(result.status, 0, result.stderr);
  const attacks = (JSON.parse(result.stdout) as { attacks: { name: string; auc: number }[] }).attacks;
  assert.equal(attacks.map((a) => a.name), ["adversary-3-max", "adversary-3-entropy", "loss", "modified-entropy", "correctness", "attack-p"]);
  const library = await auditPosteriors({
    members: answers.members!.posteriors,
    nonMembers: answers.nonmembers!.posteriors,
    membersLabels: answers.members!.labels,
    nonMembersLabels: answers.nonmembers!.labels,
    population: answers.population!,
    attacks: ["attack-p"],
    alpha: 0.1,
  });
  assert.is(attacks[5]!.auc, library.runs[0]!.attacks[0]!.metrics.auc);
  const without = run("--members", files.members!, "--nonmembers", files.nonmembers!);
  assert.is(without.status, 0, without.stderr);
  assert.equal((JSON.parse(without.stdout) as { attacks: { name: string }[] }).attacks.length, 5);
  assert.match(run("--members", files.members!, "--nonmembers", files.nonmembers!, "--population-labels", files.population!).stderr, /--population-labels needs --population FILE/);
  assert.match(run("--members", files.members!, "--nonmembers", files.nonmembers!, "--population", files.population!, "--alpha", "2").stderr, /--alpha expects an FPR between 0 and 1 \(exclusive\), got 2/);
});

test.run();
