// DP-SGD in the fused dense engine: the kernel against the plain TypeScript reference, each
// example's clipped gradient within the clip norm, plain training's bits with no clipping and no
// noise, and the same bits run after run.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels } from "../src/kernels/index.js";
import { ReferencePcg32 } from "../src/kernels/reference/random.js";
import { createClassifier } from "../src/models/create.js";
import { ADAM_DEFAULTS, FusedDenseTrainer, ReferenceDenseTrainer, denseLayers, trainLoop } from "../src/models/dense/index.js";
import "../src/models/engines.js";
import type { LabeledData } from "../src/types.js";
import { relativeError } from "./kernels-fixtures.js";

const test = suite("dp-sgd (fused engine)");
test.before(async () => {
  await initKernels();
});

function synthetic(rows: number, dim: number, classes: number, seed: number): LabeledData {
  const rng = new ReferencePcg32(BigInt(seed), 78n);
  const labels = Int32Array.from({ length: rows }, () => rng.nextUint32() % classes);
  const features = Float32Array.from({ length: rows * dim }, (_, i) => ((i % dim) % classes === labels[Math.floor(i / dim)] ? 1 : 0) * (0.5 + rng.nextFloat64()));
  return { features, recordShape: [dim], labels, numClasses: classes };
}

const adam = { learningRate: 0.01, l2: 1e-4, ...ADAM_DEFAULTS };
const norm = (tensors: Float32Array[]) => Math.sqrt(tensors.reduce((s, t) => s + t.reduce((a, x) => a + x * x, 0), 0));

for (const sampling of ["poisson", "shuffle"] as const) {
  for (const dropout of [0, 0.3]) {
    test(`kernel equals the plain reference (${sampling} batches, dropout ${dropout}, clip 0.5, noise 1.1)`, async () => {
      const layers = denseLayers("mlp", 30, 5);
      const data = synthetic(200, 30, 5, 1);
      const fused = await FusedDenseTrainer.create(layers, dropout);
      const reference = new ReferenceDenseTrainer(layers, dropout);
      const options = { epochs: 2, batchSize: 50, seed: 7, adam, dpSgd: { clipNorm: 0.5, noiseMultiplier: 1.1, sampling } };
      const a = await trainLoop(fused, data.features, data.labels, 200, options);
      const b = await trainLoop(reference, data.features, data.labels, 200, options);
      assert.is(a.steps, 8);
      assert.is(a.accuracy, b.accuracy);
      const wb = reference.weights();
      fused.weights().forEach((w, t) => {
        const error = relativeError(w, wb[t]!);
        assert.ok(error <= 1e-5, `weights[${t}]: relative error ${error}`);
      });
    });
  }
}

test("each example's gradient after clipping has norm at most the clip norm; the batch gradient is their mean", async () => {
  const layers = denseLayers("mlp", 30, 5);
  const data = synthetic(24, 30, 5, 3);
  const clip = 0.05;
  const plain = await FusedDenseTrainer.create(layers);
  plain.initialize(11, { ...adam, l2: 0 });
  const clipped = await FusedDenseTrainer.create(layers);
  clipped.initialize(11, { ...adam, l2: 0 }, { clipNorm: clip, noiseMultiplier: 0, expectedBatch: undefined });
  const sum = layers.flatMap((l) => [new Float64Array(l.inputs * l.units), new Float64Array(l.units)]);
  let clippedSome = 0;
  for (let r = 0; r < 24; r++) {
    const x = data.features.subarray(r * 30, (r + 1) * 30);
    const y = data.labels.subarray(r, r + 1);
    const raw = plain.gradients(x, y, 1);
    const g = clipped.gradients(x, y, 1);
    const n = norm(g);
    assert.ok(n <= clip * (1 + 1e-6), `example ${r}: clipped norm ${n} > ${clip}`);
    const rawNorm = norm(raw);
    if (rawNorm > clip) {
      clippedSome++;
      assert.ok(Math.abs(n - clip) <= 1e-5 * clip, `example ${r}: clipped to ${n}, expected ${clip}`);
      // Same direction: g = raw * clip / |raw|.
      g.forEach((t, i) => t.forEach((v, j) => assert.ok(Math.abs(v - (raw[i]![j]! * clip) / rawNorm) <= 1e-6, `example ${r} tensor ${i}[${j}]`)));
    } else {
      g.forEach((t, i) => assert.equal(Array.from(t), Array.from(raw[i]!), `example ${r} is within the clip norm: untouched`));
    }
    g.forEach((t, i) => t.forEach((v, j) => (sum[i]![j]! += v / 24)));
  }
  assert.ok(clippedSome > 0, "the clip norm is small enough to clip some examples");
  const batch = clipped.gradients(data.features, data.labels, 24);
  batch.forEach((t, i) => t.forEach((v, j) => assert.ok(Math.abs(v - sum[i]![j]!) <= 1e-6, `batch gradient ${i}[${j}]: ${v} vs mean ${sum[i]![j]}`)));
});

test("noise 0, clip infinity, shuffled batches: plain training bit for bit (with and without dropout)", async () => {
  const data = synthetic(300, 40, 6, 4);
  for (const dropout of [0, 0.5]) {
    const hashes: string[] = [];
    for (const dpSgd of [undefined, { clipNorm: Infinity, noiseMultiplier: 0, sampling: "shuffle" as const }]) {
      const model = await createClassifier("mlp", { inputShape: [40], numClasses: 6, engine: "fused", dropout });
      await model.fit(data, { seed: 9, epochs: 3, batchSize: 64, ...(dpSgd ? { dpSgd } : {}) });
      hashes.push(await model.weightsSha256());
      model.dispose();
    }
    assert.is(hashes[1], hashes[0], `dropout ${dropout}`);
  }
});

test("DP-SGD is seeded: the same bits run after run, other bits than plain training", async () => {
  const data = synthetic(300, 40, 6, 5);
  const hashes: string[] = [];
  for (const dpSgd of [{ clipNorm: 1, noiseMultiplier: 1.1 }, { clipNorm: 1, noiseMultiplier: 1.1 }, undefined]) {
    const model = await createClassifier("mlp", { inputShape: [40], numClasses: 6, engine: "fused" });
    await model.fit(data, { seed: 2, epochs: 2, batchSize: 50, ...(dpSgd ? { dpSgd } : {}) });
    hashes.push(await model.weightsSha256());
    model.dispose();
  }
  assert.is(hashes[0], hashes[1]);
  assert.is.not(hashes[0], hashes[2]);
});

test("bad DP-SGD settings are refused with a clear message (the tfjs engine too)", async () => {
  const data = synthetic(50, 10, 3, 6);
  const model = await createClassifier("mlp", { inputShape: [10], numClasses: 3, engine: "fused" });
  for (const [dpSgd, message] of [
    [{ clipNorm: 0, noiseMultiplier: 1 }, /clipNorm/],
    [{ clipNorm: 1, noiseMultiplier: -1 }, /noiseMultiplier/],
  ] as const) {
    try {
      await model.fit(data, { seed: 1, epochs: 1, dpSgd });
      assert.unreachable();
    } catch (error) {
      assert.match((error as Error).message, message);
    }
  }
  const tfjs = await createClassifier("mlp", { inputShape: [10], numClasses: 3, engine: "tfjs" });
  try {
    await tfjs.fit(data, { seed: 1, epochs: 1, dpSgd: { clipNorm: Infinity, noiseMultiplier: 1 } });
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /noise needs a finite clipNorm/);
  }
  tfjs.dispose();
});

test.run();
