// Same seed => bit-identical trained weights (SHA-256), for every model kind, with dropout; the
// pinned hashes hold across runtimes (this file runs under Node and Deno). Also: fit/predict
// contract, progress, cancellation and input errors.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels } from "../src/kernels/index.js";
import { createClassifier, initModelBackend, type ModelKind } from "../src/models/index.js";
import { synthetic } from "./synthetic-records.js";
import * as tf from "../src/models/tfjs/tf.js";

const models = suite("models: seeded, deterministic training");


models.before(async () => {
  await initKernels();
  await initModelBackend();
});

// kind, record shape, classes, rows, epochs, dropout, pinned SHA-256 of the trained weights
const cases: Array<[ModelKind, number[], number, number, number, number, string]> = [
  ["mlp", [600], 10, 250, 2, 0,
    "b224bb748b884b73e8515919987553ef0164d693e99fb419f80d2d3f56b93639"],
  ["mlp", [600], 10, 250, 2, 0.5,
    "7506763f80715e7c4064b3dbfebd219cee287c4b8d3af42f125b87e2b74de828"],
  ["logreg", [600], 10, 250, 2, 0,
    "b196c869ab53a77b809dd662b93b8b5f10af20482d4f74a762b78b1029c56fe2"],
  ["deep-mlp", [100], 5, 250, 2, 0.3,
    "76230473bc255206419190c9b8f86527fc46e8eb62d115b3dd1daba195fbf411"],
  ["attack-mlp", [3], 2, 250, 3, 0,
    "c39ef8ae9deee8d2c6e2b6eb50f9b6d4b38b68e3eaa07d6ec7a643e8d1f654be"],
  ["cnn", [28, 28, 1], 10, 60, 1, 0.5,
    "99504874e9f7bca60d10a5afb61c56fb898c17aa0bd05af81a554f7604824157"],
];

for (const [kind, shape, classes, rows, epochs, dropout, pinned] of cases) {
  models(`${kind} ${JSON.stringify(shape)}${dropout ? ` dropout ${dropout}` : ""}: same seed, same weights hash`, async () => {
    const data = synthetic(rows, shape, classes, 1);
    const hashes: string[] = [];
    for (let run = 0; run < 2; run++) {
      const model = await createClassifier(kind, { inputShape: shape, numClasses: classes, dropout });
      await model.fit(data, { seed: 2026, epochs, batchSize: 50 });
      hashes.push(await model.weightsSha256());
      model.dispose();
    }
    assert.is(hashes[0], hashes[1], "two runs with one seed");
    assert.is(hashes[0], pinned, "the pinned hash (the same in Node, Deno and Chromium)");
  });
}

models("a different seed gives different weights; dropout changes training", async () => {
  const data = synthetic(200, [600], 10, 2);
  const hash = async (seed: number, dropout: number) => {
    const model = await createClassifier("mlp", { inputShape: [600], numClasses: 10, dropout });
    await model.fit(data, { seed, epochs: 1 });
    const h = await model.weightsSha256();
    model.dispose();
    return h;
  };
  const base = await hash(1, 0);
  assert.is.not(await hash(2, 0), base);
  assert.is.not(await hash(1, 0.5), base);
});

models("fit reports per-epoch progress, learns, and predict returns posteriors", async () => {
  const data = synthetic(400, [600], 10, 3);
  const model = await createClassifier("mlp", { inputShape: [600], numClasses: 10 });
  const epochs: number[] = [];
  const losses: number[] = [];
  const summary = await model.fit(data, { seed: 7, epochs: 4, onEpoch: (e) => (epochs.push(e.epoch), losses.push(e.loss)) });
  assert.equal(epochs, [1, 2, 3, 4]);
  assert.ok(losses[3]! < losses[0]!, `loss falls (${losses.join(", ")})`);
  assert.is(summary.steps, 16);
  assert.is(summary.engine, "tfjs-wasm");
  assert.ok(summary.finalAccuracy > 0.5, `learns the synthetic task (accuracy ${summary.finalAccuracy})`);
  const p = await model.predict(data.features.subarray(0, 5 * 600), 5);
  assert.is(p.rows, 5);
  assert.is(p.classes, 10);
  for (let r = 0; r < 5; r++) {
    const sum = p.values.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `row ${r} sums to 1`);
  }
  model.dispose();
});

models("training is cancellable with an AbortSignal", async () => {
  const data = synthetic(400, [600], 10, 4);
  const model = await createClassifier("mlp", { inputShape: [600], numClasses: 10 });
  const controller = new AbortController();
  const reason = new Error("stopped by the user");
  const fit = model.fit(data, { seed: 1, epochs: 1000, signal: controller.signal, onEpoch: (e) => e.epoch === 2 && controller.abort(reason) });
  try {
    await fit;
    assert.unreachable("fit should reject");
  } catch (error) {
    assert.is(error, reason);
  }
  model.dispose();
});

models("bad input gets errors that name the field", async () => {
  const model = await createClassifier("mlp", { inputShape: [600], numClasses: 10 });
  const data = synthetic(10, [600], 10, 5);
  const rejects = async (promise: Promise<unknown>, pattern: RegExp) => {
    try {
      await promise;
      assert.unreachable(`expected an error matching ${pattern}`);
    } catch (error) {
      assert.match((error as Error).message, pattern);
    }
  };
  await rejects(model.fit({ ...data, recordShape: [599] }, { seed: 1 }), /recordShape/);
  await rejects(model.fit({ ...data, labels: Int32Array.from(data.labels, () => 10) }, { seed: 1 }), /labels\[0\]/);
  await rejects(model.fit({ ...data, numClasses: 3 }, { seed: 1 }), /numClasses/);
  await rejects(model.fit(data, { seed: -1 }), /seed/);
  await rejects(model.fit(data, { seed: 1, epochs: 0 }), /epochs/);
  await rejects(model.predict(data.features, 10), /fit\(\)/);
  await rejects(createClassifier("cnn", { inputShape: [600], numClasses: 10 }), /cnn: inputShape/);
  await rejects(createClassifier("rnn" as ModelKind, { inputShape: [600], numClasses: 10 }), /model kind/);
  await rejects(createClassifier("mlp", { inputShape: [600], numClasses: 10, dropout: 1 }), /dropout/);
  model.dispose();
});

models("training and predicting leave no tensors behind (a CNN audit trains dozens of models per worker)", async () => {
  for (const [kind, shape, engine] of [["cnn", [16, 16, 1], "tfjs"], ["mlp", [600], "tfjs"]] as const) {
    const data = synthetic(60, [...shape], 4, 6);
    const model = await createClassifier(kind, { inputShape: [...shape], numClasses: 4, dropout: 0.25, engine });
    const before = tf.memory().numTensors;
    await model.fit(data, { seed: 3, epochs: 3, batchSize: 20 });
    await model.predict(data.features, 60);
    assert.is(tf.memory().numTensors, before, `${kind}: tensors after fit and predict`);
    model.dispose();
  }
});

models.run();
