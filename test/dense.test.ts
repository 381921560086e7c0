import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ReferencePcg32 } from "../src/kernels/reference/random.js";
import { createClassifier } from "../src/models/create.js";
import { instantiateKernels } from "../src/kernels/wasm.js";
import { ADAM_DEFAULTS, FusedDenseTrainer, ReferenceDenseTrainer, denseLayers, referenceTanh, trainLoop, type DenseLayerSpec } from "../src/models/dense/index.js";
import type { LabeledData } from "../src/types.js";
import { relativeError } from "./kernels-fixtures.js";

const dense = suite("fused dense trainer");

/** Binary features (as in Purchase-100) and labels that depend on them, so training has signal. */
function synthetic(rows: number, dim: number, classes: number, seed: number): LabeledData {
  const rng = new ReferencePcg32(BigInt(seed), 77n);
  const features = Float32Array.from({ length: rows * dim }, () => (rng.nextFloat64() < 0.3 ? 1 : 0));
  // A random linear teacher labels the records (argmax of its scores).
  const teacher = Float64Array.from({ length: classes * dim }, () => rng.nextFloat64() - 0.5);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = 0;
      for (let i = 0; i < dim; i++) s += features[r * dim + i]! * teacher[c * dim + i]!;
      if (s > best) {
        best = s;
        labels[r] = c;
      }
    }
  }
  return { features, recordShape: [dim], labels, numClasses: classes };
}


const adam = { learningRate: 0.001, l2: 1e-4, ...ADAM_DEFAULTS };

const reluNet: DenseLayerSpec[] = [
  { inputs: 9, units: 24, activation: "relu" },
  { inputs: 24, units: 12, activation: "tanh" },
  { inputs: 12, units: 4, activation: "softmax" },
];
const cases: [string, DenseLayerSpec[], number][] = [
  ["mlp", denseLayers("mlp", 60, 10), 0],
  ["mlp", denseLayers("mlp", 60, 10), 0.5],
  ["deep-mlp", denseLayers("deep-mlp", 37, 7), 0.3],
  ["attack-mlp", denseLayers("attack-mlp", 3, 2), 0],
  ["logreg", denseLayers("logreg", 13, 5), 0],
  ["relu 9-24-12-4", reluNet, 0.2],
];

for (const [label, layers, dropout] of cases) {
  const dim = layers[0]!.inputs;
  const classes = layers.at(-1)!.units;
  dense(`${label} (dropout ${dropout}): kernel equals the plain reference after 8 Adam steps`, async () => {
    const data = synthetic(250, dim, classes, 1);
    const fused = await FusedDenseTrainer.create(layers, dropout);
    const reference = new ReferenceDenseTrainer(layers, dropout);
    const options = { epochs: 2, batchSize: 64, seed: 5, adam };
    const a = await trainLoop(fused, data.features, data.labels, 250, options);
    const b = await trainLoop(reference, data.features, data.labels, 250, options);
    assert.is(a.steps, 8);
    assert.ok(Math.abs(a.loss - b.loss) <= 1e-5 * Math.abs(b.loss), `loss ${a.loss} vs ${b.loss}`);
    assert.is(a.accuracy, b.accuracy);
    const wa = fused.weights();
    const wb = reference.weights();
    assert.is(wa.length, layers.length * 2);
    wa.forEach((w, t) => {
      const error = relativeError(w, wb[t]!);
      assert.ok(error <= 1e-5, `weights[${t}]: relative error ${error}`);
    });
    const probe = synthetic(17, dim, classes, 2).features;
    assert.ok(relativeError(fused.predict(probe, 17), reference.predict(probe, 17)) <= 1e-5);
    const g = fused.gradients(probe, new Int32Array(17).fill(1), 17);
    const h = reference.gradients(probe, new Int32Array(17).fill(1), 17);
    g.forEach((x, t) => assert.ok(relativeError(x, h[t]!) <= 1e-5, `gradient[${t}]`));
  });
}

dense("the kernel's tanh equals the reference's bit for bit and Math.tanh within 4e-7 (vector and scalar paths)", async () => {
  const k = (await instantiateKernels()).exports as unknown as { memory: WebAssembly.Memory; heapBase(): number; denseTanh(x: number, n: number): void };
  const xs: number[] = [0, -0, 1e-30, -3e-4, 4e-4, 0.5, -1, 7.99, 8, -20, 1e6, Infinity, -Infinity];
  for (let i = -90001; i <= 90001; i++) xs.push(i / 10000);
  const n = xs.length;
  const at = Math.ceil(k.heapBase() / 16) * 16;
  if (k.memory.buffer.byteLength < at + n * 4) k.memory.grow(Math.ceil((at + n * 4 - k.memory.buffer.byteLength) / 65536));
  const view = new Float32Array(k.memory.buffer, at, n);
  view.set(xs);
  const inputs = view.slice();
  k.denseTanh(at, n - 3); // the last three go through the scalar tail
  k.denseTanh(at + (n - 3) * 4, 3);
  const out = new Float32Array(k.memory.buffer, at, n);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    assert.ok(Object.is(out[i], referenceTanh(inputs[i]!)), `tanh(${inputs[i]}): kernel ${out[i]} vs reference ${referenceTanh(inputs[i]!)}`);
    worst = Math.max(worst, Math.abs(out[i]! - Math.tanh(inputs[i]!)));
  }
  assert.ok(worst <= 4e-7, `max |error| ${worst}`);
  assert.ok(Object.is(out[1], -0), "tanh(-0) = -0");
  assert.ok(out[11]! > 0.9999997 && out[12]! === -out[11]!, "saturates symmetrically at +-Infinity");
});

dense("the sparse first-layer GEMM gives the dense GEMM's bits (A listed by row, and A^T by column; binary or not)", async () => {
  type K = {
    memory: WebAssembly.Memory;
    heapBase(): number;
    denseGemm(a: number, sam: number, sak: number, b: number, ldb: number, c: number, ldc: number, m: number, n: number, k: number, acc: number): void;
    denseSparseListBytes(rows: number, cols: number): number;
    denseSparseList(a: number, rows: number, cols: number, lda: number, lists: number): void;
    denseSparseTranspose(lists: number, cols: number, out: number): void;
    denseSparseGemm(lists: number, b: number, ldb: number, c: number, ldc: number, n: number): void;
  };
  const k = (await instantiateKernels()).exports as unknown as K;
  k.memory.grow(64);
  const rng = new ReferencePcg32(21n, 1n);
  // Binary A takes the add-only path, A with other values the multiply path.
  const shapes = [[100, 600, 128, 0.3], [7, 33, 100, 0.1], [13, 5, 37, 0.6], [4, 9, 2, 0], [100, 128, 100, 1], [3, 70, 21, 0.02]] as const;
  for (const [[m, kk, n, density], binary] of [...shapes.map((s) => [s, false] as const), ...shapes.map((s) => [s, true] as const)]) {
    const base = Math.ceil(k.heapBase() / 16) * 16;
    const [a, b, c1, c2, rows, columns] = [base, base + 400_000, base + 800_000, base + 1_200_000, base + 1_600_000, base + 2_200_000];
    assert.ok(k.denseSparseListBytes(m, kk) <= 600_000 && k.denseSparseListBytes(kk, m) <= 600_000);
    const view = new Float32Array(k.memory.buffer);
    for (let i = 0; i < m * kk; i++) view[a / 4 + i] = rng.nextFloat64() < density ? (!binary && rng.nextUint32() % 3 === 0 ? -0.5 : 1) : 0;
    for (let i = 0; i < kk * n; i++) view[b / 4 + i] = rng.nextFloat64() - 0.5;
    k.denseGemm(a, kk, 1, b, n, c1, n, m, n, kk, 0);
    k.denseSparseList(a, m, kk, kk, rows);
    k.denseSparseGemm(rows, b, n, c2, n, n);
    assert.equal(view.slice(c2 / 4, c2 / 4 + m * n), view.slice(c1 / 4, c1 / 4 + m * n), `A B, ${m}x${kk}x${n}, binary ${binary}`);
    // A^T B with B of m rows (n columns): C is kk x n.
    k.denseGemm(a, 1, kk, b, n, c1, n, kk, n, m, 0);
    k.denseSparseTranspose(rows, kk, columns);
    k.denseSparseGemm(columns, b, n, c2, n, n);
    assert.equal(view.slice(c2 / 4, c2 / 4 + kk * n), view.slice(c1 / 4, c1 / 4 + kk * n), `A^T B, ${m}x${kk}x${n}, binary ${binary}`);
  }
});

dense("glorot-uniform init: within the limit, zero biases, seed-dependent", async () => {
  const layers = denseLayers("mlp", 600, 100);
  const trainer = await FusedDenseTrainer.create(layers);
  trainer.initialize(3, adam);
  const [kernel, bias, kernel2] = trainer.weights();
  const limit = Math.sqrt(6 / (600 + 128));
  assert.ok(kernel!.every((w) => Math.abs(w) <= limit));
  assert.ok(Math.max(...kernel!.map(Math.abs)) > 0.99 * limit);
  assert.ok(bias!.every((b) => b === 0));
  const mean = kernel!.reduce((s, w) => s + w, 0) / kernel!.length;
  assert.ok(Math.abs(mean) < 0.01 * limit, `mean ${mean}`);
  assert.ok(kernel2!.every((w) => Math.abs(w) <= Math.sqrt(6 / 228)));
  const first = kernel!.slice(0, 8);
  trainer.initialize(4, adam);
  assert.not.equal(Array.from(trainer.weights()[0]!.slice(0, 8)), Array.from(first));
});

// The hash pins the exact bits: Node and Deno run this same file, so both must produce it.
const PINNED_MLP_SHA256 = "5eeed2e594ca4b744a140965a8cfbf0046e00dfba0bf591c397f69bacf30915e";

dense("same seed, same weights: SHA-256 equal across runs (and pinned, so equal across runtimes)", async () => {
  const data = synthetic(300, 40, 5, 3);
  const hashes: string[] = [];
  for (const seed of [11, 11, 12]) {
    const model = await createClassifier("mlp", { inputShape: [40], numClasses: 5, dropout: 0.5, engine: "fused" });
    await model.fit(data, { seed, epochs: 3, batchSize: 32 });
    hashes.push(await model.weightsSha256());
    model.dispose();
  }
  assert.is(hashes[0], hashes[1]);
  assert.is.not(hashes[0], hashes[2]);
  assert.is(hashes[0], PINNED_MLP_SHA256);
});

dense("fit learns, reports per-epoch progress, and predict returns posteriors", async () => {
  const data = synthetic(600, 30, 4, 4);
  const model = await createClassifier("mlp", { inputShape: [30], numClasses: 4, engine: "fused" });
  const epochs: { epoch: number; loss: number; accuracy: number }[] = [];
  const summary = await model.fit(data, { seed: 1, epochs: 15, batchSize: 50, learningRate: 0.01, onEpoch: (info) => epochs.push(info) });
  assert.is(summary.engine, "fused");
  assert.is(summary.steps, 15 * 12);
  assert.is(summary.samples, 15 * 600);
  assert.equal(epochs.map((e) => e.epoch), Array.from({ length: 15 }, (_, i) => i + 1));
  assert.ok(epochs.at(-1)!.loss < epochs[0]!.loss * 0.7, `loss ${epochs[0]!.loss} -> ${epochs.at(-1)!.loss}`);
  assert.ok(summary.finalAccuracy > 0.6, `accuracy ${summary.finalAccuracy}`);
  const posteriors = await model.predict(data.features, 600);
  assert.is(posteriors.rows, 600);
  assert.is(posteriors.classes, 4);
  for (let r = 0; r < 600; r += 37) {
    const sum = posteriors.values.subarray(r * 4, r * 4 + 4).reduce((s, p) => s + p, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5);
  }
  assert.equal(model.weights().map((w) => w.length), [30 * 128, 128, 128 * 4, 4]);
});

dense("aborting stops training with the signal's reason", async () => {
  const data = synthetic(200, 10, 3, 5);
  const model = await createClassifier("logreg", { inputShape: [10], numClasses: 3, engine: "fused" });
  const controller = new AbortController();
  const seen: number[] = [];
  const fitting = model.fit(data, {
    seed: 1,
    epochs: 50,
    signal: controller.signal,
    onEpoch: ({ epoch }) => {
      seen.push(epoch);
      if (epoch === 2) controller.abort(new Error("stop here"));
    },
  });
  try {
    await fitting;
    assert.unreachable("fit should reject");
  } catch (error) {
    assert.is((error as Error).message, "stop here");
  }
  assert.equal(seen, [1, 2]);
});

dense("bad input is named in the error", async () => {
  const data = synthetic(20, 6, 3, 6);
  try {
    await createClassifier("cnn", { inputShape: [6], numClasses: 3, engine: "fused" });
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /dense kinds only/);
  }
  const model = await createClassifier("mlp", { inputShape: [6], numClasses: 3, engine: "fused" });
  const expectReject = async (promise: Promise<unknown>, pattern: RegExp) => {
    try {
      await promise;
      assert.unreachable(`expected ${pattern}`);
    } catch (error) {
      assert.match((error as Error).message, pattern);
    }
  };
  await expectReject(model.predict(data.features, 20), /has not been trained/);
  await expectReject(model.fit({ ...data, features: data.features.subarray(1) }, { seed: 1 }), /data.features has 119 values, expected 20 rows x 6/);
  await expectReject(model.fit({ ...data, labels: Int32Array.from(data.labels, (l, i) => (i === 4 ? 3 : l)) }, { seed: 1 }), /data.labels\[4\] = 3/);
  await expectReject(model.fit(data, { seed: 1, batchSize: 0 }), /batchSize: expected a positive integer/);
  await expectReject(model.fit(data, { seed: -1 }), /seed: expected an integer/);
  await expectReject(model.fit({ ...data, recordShape: [7] }, { seed: 1 }), /recordShape \[7\] has 7 features, the model expects 6/);
});

dense.run();
