// auditModel() on a model it did not train: the project's fused MLP, trained here on one part of
// purchase until it overfits, is audited only through its predict(): adversary 1 (a shadow on the
// population) finds the leakage, a model that saw neither set gives chance, and the report's
// fingerprint is a pure function of the inputs and the seed.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { auditModel, inferNoiseKind, type ModelAuditOptions } from "../src/audit-model.js";
import { loadDataset, mlLeaksSplit, type Dataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { createClassifier } from "../src/models/create.js";
import "../src/models/engines.js";
import type { Classifier } from "../src/models/types.js";
import { fingerprintReport } from "../src/report/json.js";
import type { LabeledData } from "../src/types.js";

const test = suite("audit model");
let split: ReturnType<typeof mlLeaksSplit>;
let population: LabeledData;
let overfit: Classifier;
let neutral: Classifier;

const train = async (data: Dataset, seed: number) => {
  const model = await createClassifier("mlp", { inputShape: data.recordShape, numClasses: data.numClasses, engine: "fused" });
  await model.fit(data, { seed, epochs: 40 });
  return model;
};

test.before(async () => {
  await initKernels();
  const purchase = await loadDataset("purchase", { source: bundledDataSource() });
  split = mlLeaksSplit(purchase, { seed: 5, partSize: 250 });
  const { shadowTrain, shadowOut } = split;
  population = { ...shadowTrain, features: Float32Array.from([...shadowTrain.features, ...shadowOut.features]), labels: Int32Array.from([...shadowTrain.labels, ...shadowOut.labels]) };
  overfit = await train(split.targetTrain, 1);
  // Trained on records outside members and non-members: both sets are unseen.
  neutral = await train(split.shadowOut, 2);
});

const options = (target: Classifier): ModelAuditOptions => ({
  target,
  members: split.targetTrain,
  nonMembers: split.targetOut,
  population,
  seed: 3,
  adversaries: [1, 3],
  attacks: ["loss", "correctness"],
  epochs: 30,
  attackEpochs: 30,
  noiseQueries: 200,
  engine: "fused",
  queryBatchSize: 128,
});

test("overfit target: adversary 1 with a shadow on the population finds the leakage", async () => {
  const progress: string[] = [];
  const report = await auditModel({ ...options(overfit), onProgress: (p) => progress.push(p.detail) });
  assert.is(report.mode, "model");
  const run = report.runs[0]!;
  assert.ok(run.target.gap! > 0.3, `gap ${run.target.gap}`);
  assert.is(run.target.queries, 250 + 250 + 200);
  assert.equal(run.attacks.map((a) => a.name), ["adversary-1", "adversary-3-max", "adversary-3-entropy", "loss", "correctness"]);
  const adversary1 = run.attacks[0]!;
  assert.ok(adversary1.metrics.auc > 0.7, `adversary 1 AUC ${adversary1.metrics.auc}`);
  assert.is(report.config.noiseKind, "binary");
  assert.match(String(report.config.shadowArchitecture), /^mlp \(mlleaks's default/);
  assert.ok(progress.some((d) => /querying the target: 700\/700 records \(noise\)/.test(d)));
});

test("a model that saw neither set: adversary 1 is near chance", async () => {
  const report = await auditModel(options(neutral));
  for (const a of report.runs[0]!.attacks.filter((x) => x.name !== "correctness")) assert.ok(Math.abs(a.metrics.auc - 0.5) < 0.08, `${a.name}: AUC ${a.metrics.auc}`);
});

test("no population: the attacks that train on it are skipped with a note; the fingerprint is stable", async () => {
  const { population: _, ...rest } = options(overfit);
  const a = await auditModel({ ...rest, attacks: ["shokri", "loss", "lira", "rmia"] });
  const b = await auditModel({ ...rest, attacks: ["shokri", "loss", "lira", "rmia"] });
  assert.equal(a.runs[0]!.attacks.map((x) => x.name), ["adversary-3-max", "adversary-3-entropy", "loss"]);
  assert.match(a.notes.join("\n"), /no population data/);
  assert.match(a.notes.join("\n"), /adversary-1 skipped/);
  assert.match(a.notes.join("\n"), /rmia skipped/);
  assert.is(await fingerprintReport(a), await fingerprintReport(b));
  assert.is(await fingerprintReport(a), "8fcc236d92e88839363c3c802feea35e0f8de511ea4ac8adab0afea5d37a329d");
});

test("bad input: a label beyond the model's classes, records of another shape", async () => {
  const labels = split.targetOut.labels.slice();
  labels[3] = 100;
  await auditModel({ ...options(overfit), nonMembers: { ...split.targetOut, labels } }).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(String(e.message), /non-members: label of record 3 is 100; the model has 20 classes \(0 to 19\)/),
  );
  const wrapped = { kind: "mlp", numClasses: 20, source: "mlleaks" as const, location: "model.json", inputShape: [50], outputKind: "probabilities" as const, queries: 0, predict: overfit.predict.bind(overfit), dispose: async () => {} };
  await auditModel({ ...options(overfit), target: wrapped }).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(String(e.message), /the records have shape \[\d+\] \(\d+ values\) but model.json takes input of shape \[50\] \(50 values\) per record/),
  );
  assert.is(inferNoiseKind({ ...population, features: Float32Array.of(0, 0.5, 1) }), "pixels");
  assert.is(inferNoiseKind({ ...population, features: Float32Array.of(0, -0.5, 1) }), "standardized");
});

test.run();
