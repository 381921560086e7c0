// Parallel training in real workers (worker_threads under Node, Web Workers under Deno) equals
// sequential training bit for bit.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ReferencePcg32 } from "../src/kernels/reference/random.js";
import "../src/models/engines.js";
import { estimatedCost, TrainingPool, trainInParallel, trainSequentially, type TrainingJob, type WorkerAdapter } from "../src/models/parallel.js";
import type { LabeledData } from "../src/types.js";

const parallel = suite("parallel training");

async function runtimeWorkers(): Promise<WorkerAdapter> {
  if ("Deno" in globalThis) return (await import("../src/adapters/deno/workers.js")).denoWorkers;
  return (await import("../src/adapters/node/workers.js")).nodeWorkers;
}

function synthetic(rows: number, dim: number, classes: number, seed: number): LabeledData {
  const rng = new ReferencePcg32(BigInt(seed), 3n);
  const features = Float32Array.from({ length: rows * dim }, () => (rng.nextFloat64() < 0.3 ? 1 : 0));
  const labels = Int32Array.from({ length: rows }, (_, r) => (features[r * dim]! + 2 * features[r * dim + 1]! + (rng.nextUint32() % 2)) % classes);
  return { features, recordShape: [dim], labels, numClasses: classes };
}

function jobs(): TrainingJob[] {
  const probe = synthetic(40, 30, 4, 99);
  return [
    { kind: "mlp", spec: { inputShape: [30], numClasses: 4, engine: "fused" }, data: synthetic(300, 30, 4, 1), options: { seed: 1, epochs: 3 }, predict: [{ features: probe.features, rows: 40 }] },
    { kind: "mlp", spec: { inputShape: [30], numClasses: 4, dropout: 0.5, engine: "fused" }, data: synthetic(300, 30, 4, 2), options: { seed: 2, epochs: 3 } },
    { kind: "attack-mlp", spec: { inputShape: [3], numClasses: 2, engine: "fused" }, data: synthetic(500, 3, 2, 3), options: { seed: 3, epochs: 4, batchSize: 64 }, predict: [{ features: new Float32Array(6).fill(0.5), rows: 2 }] },
  ];
}

parallel("3 models in 2 workers give the same weights, hashes and posteriors as sequential training", async () => {
  const adapter = await runtimeWorkers();
  const epochs: [number, number][] = [];
  const inParallel = await trainInParallel(jobs(), { adapter, workers: 2, onEpoch: (index, info) => epochs.push([index, info.epoch]) });
  const inSequence = await trainSequentially(jobs());
  assert.is(inParallel.length, 3);
  inParallel.forEach((result, i) => {
    const expected = inSequence[i]!;
    assert.is(result.weightsSha256, expected.weightsSha256, `job ${i} hash`);
    assert.equal(result.weights.map((w) => Array.from(w)), expected.weights.map((w) => Array.from(w)));
    assert.is(result.posteriors.length, expected.posteriors.length);
    result.posteriors.forEach((p, j) => assert.equal(Array.from(p.values), Array.from(expected.posteriors[j]!.values)));
    assert.is(result.summary.finalLoss, expected.summary.finalLoss);
  });
  assert.is(new Set(inParallel.map((r) => r.weightsSha256)).size, 3);
  for (const [index, count] of [[0, 3], [1, 3], [2, 4]] as const) {
    assert.equal(epochs.filter(([i]) => i === index).map(([, e]) => e), Array.from({ length: count }, (_, e) => e + 1));
  }
});

parallel("the tfjs engine trains in workers too (each initialises tfjs-backend-wasm) and equals sequential", async () => {
  const adapter = await runtimeWorkers();
  const tfjsJobs: TrainingJob[] = [1, 2].map((seed) => ({
    kind: "mlp",
    spec: { inputShape: [12], numClasses: 3, dropout: 0.25, engine: "tfjs" },
    data: synthetic(120, 12, 3, seed),
    options: { seed, epochs: 2, batchSize: 40 },
    predict: [{ features: synthetic(5, 12, 3, 9).features, rows: 5 }],
  }));
  const inParallel = await trainInParallel(tfjsJobs, { adapter, workers: 2 });
  const inSequence = await trainSequentially(tfjsJobs);
  inParallel.forEach((result, i) => {
    assert.is(result.summary.engine, inSequence[i]!.summary.engine);
    assert.is(result.weightsSha256, inSequence[i]!.weightsSha256, `tfjs job ${i}`);
    assert.equal(Array.from(result.posteriors[0]!.values), Array.from(inSequence[i]!.posteriors[0]!.values));
  });
});

parallel("a pool stays up across batches; an aborted batch rejects and the pool goes on", async () => {
  const adapter = await runtimeWorkers();
  const pool = new TrainingPool({ adapter, workers: 2 });
  try {
    const expected = (await trainSequentially(jobs())).map((r) => r.weightsSha256);
    assert.equal((await pool.train(jobs())).map((r) => r.weightsSha256), expected);
    const controller = new AbortController();
    const long: TrainingJob[] = jobs().map((job) => ({ ...job, options: { ...job.options, epochs: 200 } }));
    const aborted = pool.train(long, { signal: controller.signal, onEpoch: () => controller.abort(new Error("enough")) });
    try {
      await aborted;
      assert.unreachable("should reject");
    } catch (error) {
      assert.is((error as Error).message, "enough");
    }
    assert.equal((await pool.train(jobs().reverse())).map((r) => r.weightsSha256), expected.reverse());
  } finally {
    pool.close();
  }
});

parallel("a warmed pool with transferred arrays: the same results, the jobs' arrays moved to the workers", async () => {
  const adapter = await runtimeWorkers();
  const pool = new TrainingPool({ adapter, workers: 2 });
  try {
    await pool.warm();
    const expected = (await trainSequentially(jobs())).map((r) => r.weightsSha256);
    const moved = jobs();
    assert.equal((await pool.train(moved, { transfer: true })).map((r) => r.weightsSha256), expected);
    // Detached: the arrays now belong to the workers.
    assert.ok(moved.every((job) => job.data.features.byteLength === 0 && job.data.labels.byteLength === 0));
    assert.ok(moved[0]!.predict![0]!.features.byteLength === 0);
  } finally {
    pool.close();
  }
});

parallel("a pool starts the longest jobs first, equal ones in the order given; results stay in job order", async () => {
  const adapter = await runtimeWorkers();
  const job = (rows: number, epochs: number, seed: number, kind: "mlp" | "logreg" = "mlp"): TrainingJob => ({ kind, spec: { inputShape: [30], numClasses: 4, engine: "fused" }, data: synthetic(rows, 30, 4, seed), options: { seed, epochs } });
  const batch = [job(100, 1, 1), job(300, 2, 2), job(100, 1, 3), job(3000, 2, 4, "logreg"), job(300, 2, 5)];
  assert.ok(estimatedCost(batch[1]!) > estimatedCost(batch[3]!) && estimatedCost(batch[3]!) > estimatedCost(batch[0]!), "more records, epochs and layers cost more");
  assert.is(estimatedCost(batch[1]!), estimatedCost(batch[4]!));
  const finished: number[] = [];
  // One worker: jobs finish in the order they start.
  const pool = new TrainingPool({ adapter, workers: 1 });
  try {
    const results = await pool.train(batch, { onResult: (index) => finished.push(index) });
    assert.equal(finished, [1, 4, 3, 0, 2]);
    const inSequence = await trainSequentially(batch);
    assert.equal(results.map((r) => r.weightsSha256), inSequence.map((r) => r.weightsSha256));
  } finally {
    pool.close();
  }
});

parallel("a failing job rejects with its index and reason; bad worker counts are named", async () => {
  const adapter = await runtimeWorkers();
  const bad = jobs();
  bad[1] = { ...bad[1]!, options: { seed: 2, batchSize: 0 } };
  try {
    await trainInParallel(bad, { adapter, workers: 2 });
    assert.unreachable("should reject");
  } catch (error) {
    assert.match((error as Error).message, /job 1 \(mlp, seed 2\): batchSize: expected a positive integer/);
  }
  try {
    await trainInParallel(jobs(), { adapter, workers: 0 });
    assert.unreachable("should reject");
  } catch (error) {
    assert.match((error as Error).message, /workers: expected a positive integer, got 0/);
  }
  assert.equal(await trainInParallel([], { adapter }), []);
  assert.ok(adapter.defaultWorkers() >= 1);
});

parallel.run();
