// The training-time defences of the tfjs engine: DP-SGD by microbatches of one (plain training's
// bits with no clipping and no noise, every clipped example within the clip norm), RelaxLoss,
// adversarial regularisation and HAMP's entropy regulariser (their pieces against their definitions), each seeded: the same
// pinned hash in every runtime (this file runs under Node and Deno).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { createClassifier, initModelBackend, type ModelKind } from "../src/models/index.js";
import { encodeTrainingJob } from "../src/models/job-codec.js";
import type { TfjsClassifier } from "../src/models/tfjs/classifier.js";
import { flattenedTargets, InferenceModel, negativeEntropyGradient } from "../src/models/tfjs/objectives.js";
import type { TrainOptions } from "../src/models/types.js";
import "../src/models/engines.js";
import type { LabeledData } from "../src/types.js";
import { synthetic } from "./synthetic-records.js";

const test = suite("training defences on the tfjs engine");


test.before(async () => {
  await initKernels();
  await initModelBackend();
});

const MLP = { kind: "mlp" as ModelKind, shape: [60], classes: 5, rows: 120 };
const CNN = { kind: "cnn" as ModelKind, shape: [28, 28, 1], classes: 4, rows: 24 };

async function trained(model: typeof MLP, dropout: number, options: Omit<TrainOptions, "seed">, seed = 2026): Promise<{ sha: string; weights: Float32Array[] }> {
  const classifier = await createClassifier(model.kind, { inputShape: model.shape, numClasses: model.classes, dropout, engine: "tfjs" });
  await classifier.fit(synthetic(model.rows, model.shape, model.classes, 1), { seed, epochs: 2, batchSize: 10, ...options });
  const result = { sha: await classifier.weightsSha256(), weights: classifier.weights() };
  classifier.dispose();
  return result;
}

for (const [model, dropout] of [[MLP, 0.3], [CNN, 0]] as const) {
  test(`DP-SGD on tfjs (${model.kind}${dropout ? `, dropout ${dropout}` : ""}): clip infinity, noise 0, shuffled batches = plain training bit for bit`, async () => {
    const plain = await trained(model, dropout, {});
    const dp = await trained(model, dropout, { dpSgd: { clipNorm: Infinity, noiseMultiplier: 0, sampling: "shuffle" } });
    assert.is(dp.sha, plain.sha);
    const clipped = await trained(model, dropout, { dpSgd: { clipNorm: 0.1, noiseMultiplier: 0, sampling: "shuffle" } });
    assert.is.not(clipped.sha, plain.sha, "a small clip norm changes training");
  });
}

const norm = (tensors: Float32Array[]) => Math.sqrt(tensors.reduce((s, t) => s + t.reduce((a, x) => a + x * x, 0), 0));

for (const model of [MLP, CNN]) {
  test(`DP-SGD on tfjs (${model.kind}): each example's clipped gradient has norm at most the clip norm; the batch's is their mean`, async () => {
    const data = synthetic(12, model.shape, model.classes, 3);
    const classifier = (await createClassifier(model.kind, { inputShape: model.shape, numClasses: model.classes, engine: "tfjs" })) as TfjsClassifier;
    await classifier.fit(data, { seed: 5, epochs: 1, batchSize: 12 });
    const width = data.features.length / 12;
    const one = (r: number): LabeledData => ({ ...data, features: data.features.subarray(r * width, (r + 1) * width), labels: data.labels.subarray(r, r + 1) });
    const raw = Array.from({ length: 12 }, (_, r) => norm(classifier.clippedGradient(one(r), Infinity)));
    const clip = [...raw].sort((a, b) => a - b)[6]!;
    const mean = classifier.clippedGradient(data, Infinity).map((t) => new Float64Array(t.length));
    let clippedSome = 0;
    for (let r = 0; r < 12; r++) {
      const g = classifier.clippedGradient(one(r), clip);
      const n = norm(g);
      assert.ok(n <= clip * (1 + 1e-6), `example ${r}: clipped norm ${n} > ${clip}`);
      if (raw[r]! > clip) {
        clippedSome++;
        assert.ok(Math.abs(n - clip) <= 1e-5 * clip, `example ${r}: clipped to ${n}, expected ${clip}`);
      } else assert.ok(Math.abs(n - raw[r]!) <= 1e-6 * raw[r]!, `example ${r} is within the clip norm: untouched`);
      g.forEach((t, i) => t.forEach((v, j) => (mean[i]![j]! += v / 12)));
    }
    assert.ok(clippedSome > 0, "the clip norm clips some examples");
    const batch = classifier.clippedGradient(data, clip);
    batch.forEach((t, i) => t.forEach((v, j) => assert.ok(Math.abs(v - mean[i]![j]!) <= 1e-6 + 1e-4 * Math.abs(mean[i]![j]!), `batch gradient ${i}[${j}]: ${v} vs mean ${mean[i]![j]}`)));
    classifier.dispose();
  });
}

// kind, options, pinned SHA-256 of the trained weights (the same in Node, Deno and Chromium)
const pinned: Array<[typeof MLP, number, string, () => Omit<TrainOptions, "seed">, string]> = [
  [MLP, 0, "DP-SGD, Poisson, noise 1.1, clip 1", () => ({ dpSgd: { clipNorm: 1, noiseMultiplier: 1.1, sampling: "poisson" } }),
    "0e0ce4c7c53ff4a2638e238ffa28699c51fb0c2968538967d9bf15378cf2c7d2"],
  [CNN, 0, "DP-SGD, Poisson, noise 1.1, clip 1", () => ({ dpSgd: { clipNorm: 1, noiseMultiplier: 1.1, sampling: "poisson" } }),
    "eea7af7902660caac78bca638696181bf08f5db35e147a4a2cc0fa543ad383db"],
  [MLP, 0.3, "RelaxLoss alpha 0.8", () => ({ relaxLoss: { alpha: 0.8 }, epochs: 6 }),
    "abe4ad2fcb9bfffabb77c9d9bb4229996e93f7ac3ae07256475e4dcd8e21da46"],
  [CNN, 0, "RelaxLoss alpha 1", () => ({ relaxLoss: { alpha: 1 }, epochs: 3 }),
    "9c29245d6cccbe2b3680b224ae9076208dc5f4da0172bc1c16707364596825bd"],
  [MLP, 0, "adversarial regularisation lambda 3, 2 steps", () => ({ adversarialRegularization: { lambda: 3, steps: 2, reference: synthetic(40, MLP.shape, MLP.classes, 9) } }),
    "501f98343b44e89db48633dfc5fd5a75def101b2289784b11069a97f31d19c49"],
  [CNN, 0, "adversarial regularisation lambda 1, 1 step", () => ({ adversarialRegularization: { lambda: 1, steps: 1, reference: synthetic(10, CNN.shape, CNN.classes, 9) } }),
    "503f05f3e841b039769cc237e1ccb01ab5dc37fa66cdf95f44dd532c645cfa3b"],
  [MLP, 0, "HAMP soft labels (smoothing 0.75) with entropy regulariser alpha 0.5", () => ({ labelSmoothing: 0.75, entropyRegularizer: { alpha: 0.5 } }),
    "92a654bf1e35c3d283015b2c1e989c02c0af7674859fe1764e1747f00e54228d"],
];
for (const [model, dropout, name, optionsOf, sha] of pinned) {
  test(`${name} (${model.kind}): same seed, same weights hash; pinned`, async () => {
    const options = optionsOf();
    const a = await trained(model, dropout, options);
    const b = await trained(model, dropout, options);
    assert.is(a.sha, b.sha, "two runs with one seed");
    assert.is.not(a.sha, (await trained(model, dropout, {})).sha, "the defence changes training");
    assert.is(a.sha, sha, "the pinned hash");
  });
}

test("RelaxLoss's flattened targets: the true class keeps its probability, the rest spread evenly; misclassified rows stay one-hot", () => {
  const p = Float32Array.from([0.7, 0.2, 0.1, 0.25, 0.5, 0.25]);
  const targets = flattenedTargets(p, p, Int32Array.from([0, 0]), 3);
  assert.equal(Array.from(targets), [p[0]!, (1 - p[0]!) / 2, (1 - p[0]!) / 2, 1, 0, 0].map(Math.fround));
});

test("HAMP's entropy regulariser: its logit gradient matches finite differences of -alpha * mean H(softmax(z))", () => {
  const classes = 4;
  const rows = 3;
  const alpha = 0.3;
  const z = [2, -1, 0.5, 0, 0.1, 0.2, -0.3, 0.05, 6, -4, 1, -2];
  const softmaxRow = (logits: number[], r: number) => {
    const e = logits.slice(r * classes, (r + 1) * classes).map(Math.exp);
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / sum);
  };
  const objective = (logits: number[]) => {
    let total = 0;
    for (let r = 0; r < rows; r++) total += softmaxRow(logits, r).reduce((h, p) => h + p * Math.log(p), 0);
    return (alpha * total) / rows;
  };
  const p = Float32Array.from({ length: rows * classes }, (_, i) => softmaxRow(z, Math.floor(i / classes))[i % classes]!);
  const g = negativeEntropyGradient(p, rows, classes, alpha);
  const h = 1e-5;
  for (let i = 0; i < z.length; i++) {
    const up = z.slice();
    const down = z.slice();
    up[i] = up[i]! + h;
    down[i] = down[i]! - h;
    const numeric = (objective(up) - objective(down)) / (2 * h);
    assert.ok(Math.abs(numeric - g[i]!) <= 1e-6 + 1e-4 * Math.abs(numeric), `d(-alpha H)/dz[${i}]: ${g[i]} vs finite differences ${numeric}`);
  }
  // A uniform row is the entropy's maximum: no push; a zero probability adds nothing.
  assert.equal(Array.from(negativeEntropyGradient(Float32Array.of(0.25, 0.25, 0.25, 0.25), 1, classes, alpha)).map((x) => Math.abs(x) < 1e-9), [true, true, true, true]);
  assert.is(negativeEntropyGradient(Float32Array.of(1, 0, 0, 0), 1, classes, alpha).every((x) => x === 0), true);
});

test("HAMP's entropy regulariser at alpha 0 trains exactly the label-smoothing model on tfjs", async () => {
  const smoothed = await trained(MLP, 0.3, { labelSmoothing: 0.75 });
  const regularised = await trained(MLP, 0.3, { labelSmoothing: 0.75, entropyRegularizer: { alpha: 0 } });
  assert.is(regularised.sha, smoothed.sha);
  assert.is.not((await trained(MLP, 0.3, { labelSmoothing: 0.75, entropyRegularizer: { alpha: 0.5 } })).sha, smoothed.sha, "alpha > 0 changes training");
});

test("adversarial regularisation's inference model: the gain's gradient matches finite differences, and training separates members", () => {
  const classes = 4;
  const model = new InferenceModel(classes, new Pcg32(3, 6));
  const p = Float32Array.from([0.4, 0.3, 0.2, 0.1, 0.05, 0.05, 0.6, 0.3]);
  const labels = Int32Array.from([0, 2]);
  const g = model.gainGradient(p, labels);
  const h = 1e-3;
  for (let i = 0; i < p.length; i++) {
    const up = p.slice();
    const down = p.slice();
    up[i] = up[i]! + h;
    down[i] = down[i]! - h;
    const row = Math.floor(i / classes);
    const numeric = (Math.log(model.membership(up, labels)[row]!) - Math.log(model.membership(down, labels)[row]!)) / (up[i]! - down[i]!);
    assert.ok(Math.abs(numeric - g[i]!) <= 1e-3 * Math.max(1, Math.abs(numeric)), `d log h / d p[${i}]: ${g[i]} vs finite differences ${numeric}`);
  }
  // Members answer confidently on their label, reference records do not.
  const confident = Float32Array.from({ length: 8 * classes }, (_, i) => (i % classes === Math.floor(i / classes) % classes ? 0.91 : 0.03));
  const unsure = Float32Array.from({ length: 8 * classes }, (_, i) => (i % classes === Math.floor(i / classes) % classes ? 0.4 : 0.2));
  const rowLabels = Int32Array.from({ length: 8 }, (_, r) => r % classes);
  const before = model.membership(confident, rowLabels)[0]! - model.membership(unsure, rowLabels)[0]!;
  for (let s = 0; s < 600; s++) model.train({ p: confident, labels: rowLabels }, { p: unsure, labels: rowLabels });
  const mean = (values: Float64Array) => values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(mean(model.membership(confident, rowLabels)) > 0.9, "members scored as members");
  assert.ok(mean(model.membership(unsure, rowLabels)) < 0.1, "reference records scored as non-members");
  assert.ok(model.membership(confident, rowLabels)[0]! - model.membership(unsure, rowLabels)[0]! > before);
});

async function rejects(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}

test("bad settings are refused with the setting's name", async () => {
  const data = synthetic(20, MLP.shape, MLP.classes, 1);
  const tfjs = await createClassifier("mlp", { inputShape: MLP.shape, numClasses: MLP.classes, engine: "tfjs" });
  await rejects(() => tfjs.fit(data, { seed: 1, relaxLoss: { alpha: 0 } }), /relaxLoss.alpha: expected a finite number > 0/);
  await rejects(() => tfjs.fit(data, { seed: 1, adversarialRegularization: { lambda: -1, steps: 1, reference: data } }), /adversarialRegularization.lambda/);
  await rejects(() => tfjs.fit(data, { seed: 1, adversarialRegularization: { lambda: 1, steps: 0, reference: data } }), /adversarialRegularization.steps/);
  await rejects(() => tfjs.fit(data, { seed: 1, adversarialRegularization: { lambda: 1, steps: 1, reference: synthetic(5, [7], 5, 1) } }), /adversarialRegularization.reference: expected 5 records of 60 values/);
  await rejects(() => tfjs.fit(data, { seed: 1, relaxLoss: { alpha: 1 }, dpSgd: { clipNorm: 1, noiseMultiplier: 1 } }), /at most one of these training defences/);
  await rejects(() => tfjs.fit(data, { seed: 1, entropyRegularizer: { alpha: -0.1 } }), /entropyRegularizer.alpha: expected a finite number >= 0/);
  await rejects(() => tfjs.fit(data, { seed: 1, dpSgd: { clipNorm: Infinity, noiseMultiplier: 1 } }), /noise needs a finite clipNorm/);
  tfjs.dispose();
  const fused = await createClassifier("mlp", { inputShape: MLP.shape, numClasses: MLP.classes, engine: "fused" });
  await rejects(() => fused.fit(data, { seed: 1, relaxLoss: { alpha: 1 } }), /relaxLoss: trains on the tfjs engine only/);
  await rejects(() => fused.fit(data, { seed: 1, entropyRegularizer: { alpha: 0.1 } }), /entropyRegularizer: trains on the tfjs engine only/);
  fused.dispose();
  const job = { kind: "mlp" as const, spec: { inputShape: MLP.shape, numClasses: MLP.classes }, data, options: { seed: 1, relaxLoss: { alpha: 1 } } };
  await rejects(() => encodeTrainingJob(job), /job options relaxLoss: training defences cannot be queued yet/);
});

test.run();
