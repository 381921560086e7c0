// MemGuard, HAMP and early stopping: MemGuard and HAMP keep every predicted label and release
// probability vectors, deterministically; early stopping keeps exactly the weights of a plain fit
// for the best epoch count, in both engines; on the overfit purchase target MemGuard and HAMP lower
// the strongest attack's AUC.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { audit, trainingJob } from "../src/audit.js";
import { loadDataset } from "../src/datasets/index.js";
import { hampDefence, hampLabelSmoothing, memGuard, memGuardDefence, rankPreserving, validationSplit, type DefenceSettings } from "../src/defences/index.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { createClassifier, initModelBackend } from "../src/models/index.js";
import "../src/models/engines.js";
import { trainSequentially } from "../src/models/parallel.js";
import { tradeOffRows } from "../src/report/trade-off.js";
import type { LabeledData, Posteriors } from "../src/types.js";
import { sha256OfArrays } from "../src/util/sha256.js";
import * as portable from "../src/util/portable-math.js";

const test = suite("defences: memguard, hamp, early stopping");
test.before(async () => {
  await initKernels();
  await initModelBackend();
});

function synthetic(rows: number, size: number, classes: number, seed: number): LabeledData {
  const rng = new Pcg32(seed, 1);
  const labels = Int32Array.from(rng.fillUint32(rows), (u) => u % classes);
  const u = rng.fillFloat64(rows * size);
  const features = Float32Array.from(u, (v, i) => (v < ((i % size) % classes === labels[Math.floor(i / size)] ? 0.6 : 0.4) ? 1 : 0));
  return { features, recordShape: [size], labels, numClasses: classes };
}

const argmaxes = (p: Posteriors) =>
  Array.from({ length: p.rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < p.classes; c++) if (p.values[r * p.classes + c]! > p.values[r * p.classes + best]!) best = c;
    return best;
  });

function assertDistributions(p: Posteriors, what: string): void {
  for (let r = 0; r < p.rows; r++) {
    const row = p.values.subarray(r * p.classes, (r + 1) * p.classes);
    assert.ok(row.every((v) => v >= 0) && Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `${what}: row ${r} is a probability vector`);
  }
}

const SETTINGS: DefenceSettings = { target: "mlp", dropout: 0.5, stackingModels: ["mlp", "logreg"], outputTopK: 1, outputDecimals: 2, l2Penalty: 1e-3, labelSmoothing: 0.1, memguard: { budget: 2 } };
const CONFIG = { engine: "fused" as const, epochs: 20, batchSize: 50, learningRate: 0.005, l2: 1e-7 };

/** A defence's plan run to the end on synthetic data: its answers and the undefended target's. */
async function defended(defence: typeof memGuardDefence, settings: DefenceSettings, data: LabeledData, queries: { features: Float32Array; rows: number }[]) {
  const plan = defence.plan!({
    settings,
    train: data,
    reference: data,
    queries,
    training: { epochs: CONFIG.epochs, batchSize: CONFIG.batchSize },
    seeds: { target: 11, defence: 4096 * 7 },
    job: (kind, train, seed, predict, change) => trainingJob(CONFIG, kind, train, train, seed, predict, change),
  });
  const results = await trainSequentially(plan.jobs.map((j) => j.job));
  return { results, target: await plan.finish(results, async (_, job) => (await trainSequentially([job]))[0]!) };
}

test("memguard: every label kept, answers stay distributions, most rows perturbed, the same bits run after run", async () => {
  const data = synthetic(400, 40, 5, 3);
  const out = synthetic(200, 40, 5, 4);
  const queries = [data, out].map((d) => ({ features: d.features, rows: d.labels.length }));
  const first = await defended(memGuardDefence, SETTINGS, data, queries);
  const plain = first.results[0]!.posteriors;
  let perturbed = 0;
  first.target.answers.forEach((answers, q) => {
    assert.equal(argmaxes(answers), argmaxes(plain[q]!), `query ${q}: labels kept`);
    assertDistributions(answers, `query ${q}`);
    for (let i = 0; i < answers.values.length; i += answers.classes) if (answers.values[i] !== plain[q]!.values[i]) perturbed++;
  });
  assert.ok(perturbed > 300, `${perturbed} of 600 answers perturbed with the full budget`);
  const again = await defended(memGuardDefence, SETTINGS, data, queries);
  assert.is(await sha256OfArrays(again.target.answers.map((a) => a.values)), await sha256OfArrays(first.target.answers.map((a) => a.values)));
  // A budget of 0 releases the undefended answers (phase II adds the noise with probability 0).
  const none = await defended(memGuardDefence, { ...SETTINGS, memguard: { budget: 0 } }, data, queries);
  assert.equal(Array.from(none.target.answers[1]!.values), Array.from(plain[1]!.values));
  const rows = plain[1]!;
  assert.throws(() => memGuard(rows, { weights: [new Float32Array(5 * 8), new Float32Array(8)] }, 1, new Pcg32(1)), /memguard: expected the defender's classifier as \[kernel, bias, kernel, bias\]/);
  assert.throws(() => memGuard(rows, { weights: [new Float32Array(4 * 8), new Float32Array(8), new Float32Array(16), new Float32Array(2)] }, 1, new Pcg32(1)), /reads 4 posteriors, the model answers 5/);
  assert.throws(() => memGuard(rows, { weights: [] }, 2.5, new Pcg32(1)), /budget from 0 to 2/);
});

test("hamp: soft labels at the entropy threshold; answers keep each class's rank and the label", async () => {
  for (const [gamma, classes] of [[0.5, 10], [0.9, 100], [0.99, 2]] as const) {
    const e = hampLabelSmoothing(gamma, classes);
    const q = 1 - e + e / classes;
    const rest = e / classes;
    const entropy = -q * portable.log(q) - (classes - 1) * rest * portable.log(rest);
    assert.ok(Math.abs(entropy - gamma * portable.log(classes)) < 1e-9, `gamma ${gamma}, ${classes} classes: entropy ${entropy}`);
  }
  assert.throws(() => hampLabelSmoothing(1, 10), /gamma between 0 and 1/);
  const data = synthetic(300, 40, 5, 5);
  const queries = [{ features: data.features, rows: data.labels.length }];
  const { results, target } = await defended(hampDefence, { ...SETTINGS, hamp: { gamma: 0.8, alpha: 0.01 } }, data, queries);
  const real = results[0]!.posteriors[0]!;
  const answers = target.answers[0]!;
  assert.equal(argmaxes(answers), argmaxes(real), "labels kept");
  assertDistributions(answers, "hamp");
  for (let r = 0; r < real.rows; r++) {
    const o = r * real.classes;
    for (let a = 0; a < real.classes; a++) for (let b = 0; b < real.classes; b++) if (real.values[o + a]! > real.values[o + b]!) assert.ok(answers.values[o + a]! >= answers.values[o + b]!, `row ${r}: class ${a} stays above ${b}`);
  }
  assert.is.not(Array.from(answers.values).join(), Array.from(real.values).join(), "the values come from the random records");
  const tied: Posteriors = { values: Float32Array.of(0.2, 0.5, 0.3), rows: 1, classes: 3 };
  assert.equal(Array.from(rankPreserving(tied, { values: Float32Array.of(0.4, 0.4, 0.2), rows: 1, classes: 3 }).values), Array.from(tied.values), "a tie at the top keeps the real row");
});

for (const engine of ["fused", "tfjs"] as const) {
  test(`early stopping (${engine}): keeps the best epoch, with exactly the weights of a plain fit for that many epochs`, async () => {
    const data = synthetic(300, 30, 4, 8);
    const { train, validation } = validationSplit(data, 0.2, 5);
    const spec = { inputShape: [30], numClasses: 4, engine };
    const options = { seed: 21, epochs: 40, batchSize: 30, learningRate: 0.02 };
    const stopped = await createClassifier("mlp", spec);
    const summary = await stopped.fit(train, { ...options, earlyStopping: { validation, patience: 3 } });
    assert.ok(summary.bestEpoch! >= 1 && summary.epochs === summary.bestEpoch! + 3 && summary.epochs < 40, `stopped at ${summary.epochs}, best ${summary.bestEpoch}`);
    const plain = await createClassifier("mlp", spec);
    await plain.fit(train, { ...options, epochs: summary.bestEpoch! });
    assert.is(await stopped.weightsSha256(), await plain.weightsSha256());
    stopped.dispose();
    plain.dispose();
    const bad = await createClassifier("mlp", spec);
    try {
      await bad.fit(train, { ...options, earlyStopping: { validation, patience: 0 } });
      assert.unreachable();
    } catch (error) {
      assert.match((error as Error).message, /earlyStopping.patience: expected a positive integer/);
    }
    bad.dispose();
  });
}

test("audit on purchase: memguard and hamp keep accuracy up and lower the strongest AUC; early stopping never raises it", async () => {
  const purchase = await loadDataset("purchase", { source: bundledDataSource() });
  const report = await audit({ dataset: purchase, seed: 1, partSize: 300, epochs: 30, attackEpochs: 20, engine: "fused", adversaries: [1], attacks: ["loss", "correctness"], defences: ["none", "memguard", "hamp", "early-stopping"], memguard: { budget: 1 } });
  const [none, memguard] = report.runs;
  assert.is(memguard!.target.weightsSha256, none!.target.weightsSha256, "memguard answers from the undefended model");
  assert.is(memguard!.target.testAccuracy, none!.target.testAccuracy, "and keeps every label");
  const rows = tradeOffRows(report.runs);
  for (const row of rows.slice(1, 3)) assert.ok(row.strongestAuc! < rows[0]!.strongestAuc!, `${row.defence} lowers the strongest AUC (${row.strongestAuc} against ${rows[0]!.strongestAuc})`);
  // Early stopping may keep every epoch (then it is the undefended model); the trade-off shows its AUC beside none's either way.
  assert.ok(rows[3]!.strongestAuc! <= rows[0]!.strongestAuc!, `early stopping: ${rows[3]!.strongestAuc} against ${rows[0]!.strongestAuc}`);
  const correctness = (i: number) => report.runs[i]!.attacks.find((a) => a.name === "correctness")!.metrics.auc;
  assert.is(correctness(1), correctness(0), "masking leaves the label-only attack where it was");
});

test.run();
