// Defences: the registry, stacking written once (train's StackedClassifier and the audit's job plan
// give the same weights for one seed), and output perturbation keeping every predicted label.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { audit, resolveAuditConfig, trainingJob } from "../src/audit.js";
import type { Dataset } from "../src/datasets/index.js";
import { createStackedClassifier, DEFENCES, defenceNamed, dpSgdEpsilon, labelOnly, roundedTo, stackingDefence, topKOnly } from "../src/defences/index.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { accuracy } from "../src/metrics/accuracy.js";
import "../src/models/engines.js";
import { trainSequentially } from "../src/models/parallel.js";
import type { Posteriors } from "../src/types.js";

const test = suite("defences");
test.before(async () => {
  await initKernels();
});

function synthetic(rows: number, size: number, classes: number, seed = 9): Dataset {
  const rng = new Pcg32(seed, 1);
  const labels = Int32Array.from(rng.fillUint32(rows), (u) => u % classes);
  const u = rng.fillFloat64(rows * size);
  const features = Float32Array.from(u, (v, i) => (v < ((i % size) % classes === labels[Math.floor(i / size)] ? 0.7 : 0.3) ? 1 : 0));
  return { name: "synthetic", classNames: Array.from({ length: classes }, (_, c) => `c${c}`), kind: "tabular", featureKind: "binary", provenance: "seeded test data", features, recordShape: [size], labels, numClasses: classes };
}

function randomPosteriors(rows: number, classes: number, seed: number): Posteriors {
  const u = new Pcg32(seed, 2).fillFloat64(rows * classes);
  const values = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += u[r * classes + c]! ** 3;
    for (let c = 0; c < classes; c++) values[r * classes + c] = u[r * classes + c]! ** 3 / sum;
  }
  return { values, rows, classes };
}

test("the registry names every defence once, and unknown names are refused", () => {
  assert.equal(new Set(DEFENCES).size, DEFENCES.length);
  for (const name of ["none", "dropout", "stacking", "dp-sgd", "label-smoothing", "l2", "output-top-k", "output-rounding", "label-only"]) assert.is(defenceNamed(name).name, name);
  assert.throws(() => defenceNamed("armour"), /expected some of none, dropout, stacking/);
});

test("stacking: train's StackedClassifier and the audit's job plan give the same weights for one seed", async () => {
  const data = synthetic(300, 24, 3);
  const seed = 4242;
  const options = { seed, epochs: 4, batchSize: 50, learningRate: 0.002, l2: 1e-6 };
  const model = await createStackedClassifier({ inputShape: [24], numClasses: 3, baseKinds: ["mlp", "logreg"], engine: "fused" });
  await model.fit(data, options);
  const query = { features: data.features.subarray(0, 24 * 20), rows: 20 };
  const fromTrain = await model.predict(query.features, query.rows);
  const config = { engine: "fused" as const, epochs: options.epochs, batchSize: options.batchSize, learningRate: options.learningRate, l2: options.l2 };
  const plan = stackingDefence.plan!({
    settings: { target: "mlp", dropout: 0.5, stackingModels: ["mlp", "logreg"], outputTopK: 1, outputDecimals: 2, l2Penalty: 1e-3, labelSmoothing: 0.1 },
    train: data,
    reference: data,
    queries: [query],
    training: { epochs: options.epochs, batchSize: options.batchSize },
    seeds: { target: 1, defence: seed },
    job: (kind, train, s, predict, change) => trainingJob(config, kind, train, train, s, predict, change),
  });
  const results = await trainSequentially(plan.jobs.map((j) => j.job));
  const defended = await plan.finish(results, async (_, job) => (await trainSequentially([job]))[0]!);
  assert.is(defended.weightsSha256, await model.partsSha256(), "same weights (the audit's hash of the parts)");
  assert.equal(results.flatMap((r) => r.weights).map((w) => Array.from(w)), model.bases.flatMap((b) => b.weights()).map((w) => Array.from(w)), "same base weights");
  assert.equal(Array.from(defended.answers[0]!.values), Array.from(fromTrain.values), "same answers");
  model.dispose();
});

test("output perturbation keeps every row's predicted label; top-k and rounding release what they say", () => {
  const p = randomPosteriors(500, 7, 3);
  const labels = Int32Array.from(new Pcg32(5, 3).fillUint32(500), (u) => u % 7);
  const top2 = topKOnly(p, 2);
  const rounded = roundedTo(p, 1);
  for (let r = 0; r < p.rows; r++) {
    const row = top2.values.subarray(r * 7, r * 7 + 7);
    assert.is(row.filter((v) => v > 0).length, 2, `row ${r} releases two`);
    for (const q of [row, rounded.values.subarray(r * 7, r * 7 + 7)]) assert.ok(Math.abs(q.reduce((a, b) => a + b, 0) - 1) < 1e-6, `row ${r} sums to 1`);
  }
  for (const v of rounded.values) assert.ok(Math.abs(v * 10 - Math.round(v * 10)) < 1e-5, `${v} has one decimal`);
  for (const masked of [top2, topKOnly(p, 1), rounded, roundedTo(p, 0), labelOnly(p)]) assert.is(accuracy(masked, labels), accuracy(p, labels));
  // Rounding ties 0.46 and 0.45 at one decimal (0.4 + 0.1 each); the top class keeps its label.
  const tie: Posteriors = { values: Float32Array.of(0.45, 0.46, 0.09), rows: 1, classes: 3 };
  const r = roundedTo(tie, 1).values;
  assert.ok(r[1]! > r[0]!, `class 1 stays on top: ${Array.from(r)}`);
  assert.equal(Array.from(labelOnly(tie).values), [0, 1, 0]);
});

test("audit: masking defences share the undefended target, keep its accuracy and change what the attacks see", async () => {
  const report = await audit({
    dataset: synthetic(400, 30, 4, 17),
    seed: 3,
    defences: ["none", "output-top-k", "output-rounding", "label-only"],
    outputTopK: 1,
    outputDecimals: 1,
    epochs: 3,
    attackEpochs: 2,
    engine: "fused",
  });
  const [none, ...masked] = report.runs;
  assert.equal(report.runs.map((r) => r.defence), ["none", "output-top-k 1", "output-rounding 1", "label-only"]);
  for (const run of masked) {
    assert.is(run.target.weightsSha256, none!.target.weightsSha256);
    assert.is(run.target.testAccuracy, none!.target.testAccuracy);
    assert.is(run.target.trainAccuracy, none!.target.trainAccuracy);
  }
  const correctness = (i: number) => report.runs[i]!.attacks.find((a) => a.name === "correctness")!.metrics.auc;
  assert.is(correctness(3), correctness(0), "the label-only attack is untouched by label-only release");
  const lossAuc = (i: number) => report.runs[i]!.attacks.find((a) => a.name === "loss")!.metrics.auc;
  assert.is.not(lossAuc(3), lossAuc(0), "the loss attack sees one-hot answers");
  assert.is(report.config.outputTopK, 1);
});

test("audit: dp-sgd reports the accountant's epsilon for its schedule; --target-epsilon picks the noise; cheap defences train their own target", async () => {
  const dataset = synthetic(400, 30, 4, 21);
  const base = { dataset, seed: 5, epochs: 3, attackEpochs: 2, engine: "fused" as const, attacks: ["loss" as const] };
  const report = await audit({ ...base, defences: ["none", "dp-sgd", "label-smoothing", "l2"], dpSgd: { clipNorm: 1, noiseMultiplier: 1.3, delta: 1e-5 }, statistics: { delta: 1e-5 } });
  const [none, dp, smoothing, l2] = report.runs;
  const expected = dpSgdEpsilon({ records: 100, batchSize: 100, noiseMultiplier: 1.3, epochs: 3, delta: 1e-5 });
  assert.equal(dp!.privacy, { accountant: "rdp", epsilon: expected.epsilon, delta: 1e-5, noiseMultiplier: 1.3, clipNorm: 1, steps: expected.steps, samplingRate: 1, order: expected.order });
  assert.is(none!.privacy, undefined);
  for (const run of [dp!, smoothing!, l2!]) assert.is.not(run.target.weightsSha256, none!.target.weightsSha256, run.defence);
  // The accountant's epsilon is an upper bound: no attack's empirical lower bound (same delta) exceeds it.
  for (const attack of dp!.attacks) {
    const bound = attack.metrics.statistics?.epsilon;
    assert.ok(bound !== undefined, `${attack.name} reports an empirical epsilon lower bound`);
    assert.is(bound!.delta, 1e-5);
    assert.ok(bound!.value <= dp!.privacy!.epsilon, `${attack.name}: empirical ${bound!.value} <= accountant ${dp!.privacy!.epsilon}`);
  }
  assert.equal(report.runs.map((r) => r.defence), ["none", "dp-sgd (noise 1.3, clip 1)", "label-smoothing 0.1", "l2 0.001"]);
  const targeted = await audit({ ...base, defences: ["dp-sgd"], partSize: 100, dpSgd: { targetEpsilon: 8 } });
  const privacy = targeted.runs[0]!.privacy!;
  assert.ok(privacy.epsilon <= 8 && privacy.epsilon > 7.9, `epsilon ${privacy.epsilon} meets the target 8 closely`);
  // The tfjs engine trains DP-SGD too (microbatches of one): the same schedule, the same epsilon.
  const onTfjs = await audit({ ...base, defences: ["dp-sgd"], engine: "tfjs", dpSgd: { clipNorm: 1, noiseMultiplier: 1.3, delta: 1e-5 } });
  assert.equal(onTfjs.runs[0]!.privacy, dp!.privacy);
});

test("a two-class dataset audits with the default options (output-top-k's default k fits its classes)", () => {
  const binary = synthetic(40, 8, 2);
  assert.not.throws(() => resolveAuditConfig({ dataset: binary, seed: 0, partSize: 10 }));
  assert.is(resolveAuditConfig({ dataset: binary, seed: 0, partSize: 10, defences: ["output-top-k"] }).outputTopK, 2);
  assert.throws(() => resolveAuditConfig({ dataset: binary, seed: 0, partSize: 10, outputTopK: 3 }), /outputTopK: expected an integer from 1 to 2/);
});

test.run();
