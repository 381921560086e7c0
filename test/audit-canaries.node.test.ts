// The one-run audit inside audit(): canaries are shadow-part records with flipped labels, each in the
// target's training set with probability 1/2 by the seed; the strongest attack that scores records one
// by one scores them and the verdict carries the epsilon its abstaining guesses prove.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { audit } from "../src/audit.js";
import { planCanaries } from "../src/audit-canaries.js";
import { loadDataset, mlLeaksSplit, type Dataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { oneRunEpsilon } from "../src/metrics/epsilon.js";
import { verdictOf } from "../src/report/verdict.js";
import { buildReportDocument, canonicalJson, fingerprintReport } from "../src/report/json.js";
import { validate } from "./json-schema.js";
import { readFileSync } from "node:fs";

const schema = JSON.parse(readFileSync(fileURLToPath(new URL("../../schema/report.schema.json", import.meta.url)), "utf8"));

const test = suite("audit: one-run canaries");
let dna: Dataset;
test.before(async () => {
  await initKernels();
  dna = await loadDataset("dna", { source: bundledDataSource() });
});

test("planCanaries: shadow-part records, every label flipped, the included ones appended to the training part", () => {
  const split = mlLeaksSplit(dna, { seed: 1, partSize: 150 });
  const population = Int32Array.from([...split.indices.shadowTrain, ...split.indices.shadowOut]);
  const plan = planCanaries(dna, split.targetTrain, population, 60, 7);
  const width = dna.recordShape.reduce((a, b) => a * b, 1);
  const included = plan.included.reduce((a, b) => a + b, 0);
  assert.ok(included > 10 && included < 50, `${included} of 60 included`);
  assert.is(plan.train.labels.length, 150 + included);
  // Each canary is a population record whose label differs from the record's own.
  for (let i = 0; i < 60; i++) {
    const features = plan.canaries.features.subarray(i * width, (i + 1) * width);
    const source = [...population].find((r) => dna.features.subarray(r * width, (r + 1) * width).every((v, j) => v === features[j]));
    assert.ok(source !== undefined, `canary ${i} comes from the shadow parts`);
    // dna may hold duplicate records; the flipped label differs from every copy's own label.
    const copies = [...population].filter((r) => dna.features.subarray(r * width, (r + 1) * width).every((v, j) => v === features[j]));
    if (copies.every((r) => dna.labels[r] === dna.labels[copies[0]!])) assert.is.not(plan.canaries.labels[i], dna.labels[copies[0]!], `canary ${i}'s label is flipped`);
  }
  assert.equal(planCanaries(dna, split.targetTrain, population, 60, 7).included, plan.included, "seeded");
  assert.throws(() => planCanaries(dna, split.targetTrain, population, 10, 7), /canaries: expected an integer from 20 to 300/);
});

test("audit({ canaries: 200 }): the run's one-run epsilon, in the verdict, deterministic", async () => {
  const options = { dataset: dna, seed: 2, partSize: 150, epochs: 20, attackEpochs: 5, noiseQueries: 100, engine: "fused" as const, adversaries: [1 as const], attacks: ["loss" as const], defences: ["none" as const], canaries: 200 };
  const report = await audit(options);
  const oneRun = report.runs[0]!.oneRun!;
  assert.ok(oneRun, "the run carries the one-run audit");
  assert.is(oneRun.canaries, 200);
  assert.ok(oneRun.included > 70 && oneRun.included < 130);
  assert.ok(oneRun.guesses >= 2 && oneRun.correct <= oneRun.guesses);
  // The epsilon is the bound those counts prove (the Bonferroni-split confidence of the guess sweep).
  const recomputed = oneRunEpsilon(200, oneRun.guesses, oneRun.correct, oneRun.delta, 1 - 0.05 / oneRun.triedGuessCounts);
  assert.is(oneRun.epsilon, recomputed.epsilon);
  assert.match(oneRun.source, /labels flipped/);
  const verdict = verdictOf(report);
  assert.is(verdict.oneRun?.value, oneRun.epsilon);
  assert.is(report.config.canaries, 200);
  const document = await buildReportDocument(report, { version: "0.1.0", versions: { node: "20" }, timings: { total: 1 } });
  assert.equal(validate(schema, JSON.parse(canonicalJson(document))), [], "report.json with oneRun validates");
  assert.is(await fingerprintReport(await audit(options)), await fingerprintReport(report), "the same seed gives the same report");
});

test("mlleaks audit --canaries goes with --dataset, not --model", () => {
  const bin = fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
  const result = spawnSync(process.execPath, [bin, "audit", "--model", "x.onnx", "--members", "a.npz", "--nonmembers", "b.npz", "--canaries", "50"], { encoding: "utf8" });
  assert.is(result.status, 2, result.stderr);
  assert.match(result.stderr, /--canaries goes with --dataset/);
});

test.run();
