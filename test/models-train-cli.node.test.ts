// `mlleaks train` end to end on a bundled dataset: files written, meta.json complete, the saved
// model loads back as a PosteriorModel whose accuracy equals meta.json's; stacked models too; and
// a tfjs LayersModel saved elsewhere loads. Node-only: it reads and writes files.
import * as tf from "@tensorflow/tfjs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadNamedDataset } from "../src/adapters/node/datasets.js";
import { loadModel } from "../src/adapters/node/models.js";
import { main } from "../src/cli/main.js";
import { mlLeaksSplit } from "../src/datasets/index.js";
import { dpSgdEpsilon } from "../src/defences/dp-accountant.js";
import { initKernels } from "../src/kernels/index.js";
import { initModelBackend } from "../src/models/index.js";
import type { PosteriorModel } from "../src/types.js";
import type { Dataset } from "../src/datasets/index.js";

const cli = suite("models: mlleaks train, saved models");
let dir = "";

async function quiet<T>(fn: () => Promise<T>): Promise<T> {
  const [log, error, write] = [console.log, console.error, process.stderr.write];
  console.log = console.error = () => {};
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await fn();
  } finally {
    [console.log, console.error, process.stderr.write] = [log, error, write];
  }
}

async function accuracy(model: PosteriorModel, data: Dataset): Promise<number> {
  const p = await model.predict(data.features, data.labels.length);
  let correct = 0;
  for (let r = 0; r < data.labels.length; r++) {
    const row = p.values.subarray(r * p.classes, (r + 1) * p.classes);
    if (row.indexOf(Math.max(...row)) === data.labels[r]) correct++;
  }
  return correct / data.labels.length;
}

cli.before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mlleaks-train-"));
  await initKernels();
  await initModelBackend();
});

cli.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

cli("trains an MLP on digits with dropout, writes model.json, weights.bin, meta.json; reloads", async () => {
  const out = join(dir, "mlp");
  const code = await quiet(() => main(["train", "--dataset", "digits", "--model", "mlp", "--dropout", "0.5", "--epochs", "4", "--seed", "3", "--out", out]));
  assert.is(code, 0);
  assert.equal((await readdir(out)).sort(), ["meta.json", "model.json", "weights.bin"]);
  const meta = JSON.parse(await readFile(join(out, "meta.json"), "utf8"));
  assert.is(meta.dataset, "digits");
  assert.is(meta.seed, 3);
  assert.is(meta.model, "mlp");
  assert.equal(meta.options, { epochs: 4, batchSize: 100, learningRate: 0.001, l2: 1e-7, dropout: 0.5, engine: "tfjs" });
  assert.match(meta.weightsSha256, /^[0-9a-f]{64}$/);
  const model = await loadModel(out);
  const split = mlLeaksSplit(await loadNamedDataset("digits"), { seed: 3 });
  assert.is(meta.split.partSize, split.partSize);
  assert.is(await accuracy(model, split.targetTrain), meta.trainAccuracy, "reloaded model: same train accuracy");
  assert.is(await accuracy(model, split.targetOut), meta.testAccuracy, "reloaded model: same test accuracy");
  // Same command, same seed: the same weights.
  const again = join(dir, "mlp-again");
  await quiet(() => main(["train", "--dataset", "digits", "--model", "mlp", "--dropout", "0.5", "--epochs", "4", "--seed", "3", "--out", again]));
  assert.is(JSON.parse(await readFile(join(again, "meta.json"), "utf8")).weightsSha256, meta.weightsSha256);
  assert.ok((await readFile(join(again, "weights.bin"))).equals(await readFile(join(out, "weights.bin"))), "identical weight files");
});

cli("--stacking writes base models, meta model and stack.json; the stack reloads", async () => {
  const out = join(dir, "stacked");
  const code = await quiet(() => main(["train", "--dataset", "digits", "--model", "mlp", "--stacking", "--epochs", "3", "--seed", "1", "--out", out]));
  assert.is(code, 0);
  assert.equal((await readdir(out)).sort(), ["base-0", "base-1", "meta-model", "meta.json", "stack.json"]);
  const meta = JSON.parse(await readFile(join(out, "meta.json"), "utf8"));
  assert.is(meta.model, "stacked");
  assert.equal(meta.stacking.baseKinds, ["mlp", "logreg"]);
  const model = await loadModel(out);
  const split = mlLeaksSplit(await loadNamedDataset("digits"), { seed: 1 });
  assert.is(await accuracy(model, split.targetOut), meta.testAccuracy);
});

cli("DP-SGD and label smoothing: meta.json carries the settings and the accountant's epsilon", async () => {
  const out = join(dir, "dp");
  const code = await quiet(() =>
    main(["train", "--dataset", "purchase", "--engine", "fused", "--noise-multiplier", "1.1", "--clip-norm", "1", "--label-smoothing", "0.1", "--epochs", "2", "--part-size", "300", "--seed", "3", "--out", out]),
  );
  assert.is(code, 0);
  const meta = JSON.parse(await readFile(join(out, "meta.json"), "utf8"));
  assert.equal(meta.options.dpSgd, { clipNorm: 1, noiseMultiplier: 1.1, sampling: "poisson" });
  assert.is(meta.options.labelSmoothing, 0.1);
  const expected = dpSgdEpsilon({ records: 300, batchSize: 100, noiseMultiplier: 1.1, epochs: 2, delta: 1e-5 });
  assert.is(meta.privacy.epsilon, expected.epsilon);
  assert.is(meta.privacy.steps, 6);
  assert.is(await quiet(() => main(["train", "--dataset", "purchase", "--noise-multiplier", "1.1", "--relaxloss-alpha", "1", "--out", join(dir, "dp-tfjs")])), 2, "two training defences are a usage error");
});

cli("RelaxLoss and adversarial regularisation (tfjs engine): meta.json carries their settings; bad values are usage errors", async () => {
  for (const [name, flags, expected] of [
    ["relaxLoss", ["--relaxloss-alpha", "0.5"], { alpha: 0.5 }],
    ["adversarialRegularization", ["--adv-reg-lambda", "2", "--adv-reg-steps", "2"], { lambda: 2, steps: 2, reference: "shadowOut" }],
  ] as const) {
    const out = join(dir, name);
    assert.is(await quiet(() => main(["train", "--dataset", "purchase", ...flags, "--epochs", "2", "--part-size", "200", "--seed", "3", "--out", out])), 0);
    const meta = JSON.parse(await readFile(join(out, "meta.json"), "utf8"));
    assert.equal(meta.options[name], expected);
    assert.is(meta.options.engine, "tfjs");
  }
  for (const bad of [["--relaxloss-alpha", "0"], ["--adv-reg-lambda", "-1"], ["--adv-reg-lambda", "1", "--adv-reg-steps", "0"], ["--relaxloss-alpha", "1", "--engine", "fused"]]) {
    assert.is(await quiet(() => main(["train", "--dataset", "purchase", ...bad, "--out", join(dir, "bad")])), 2, bad.join(" "));
  }
});

cli("early stopping: --patience chooses the epochs on a held-out fifth, then trains on the whole part for them", async () => {
  const out = join(dir, "early");
  const code = await quiet(() => main(["train", "--dataset", "purchase", "--engine", "fused", "--patience", "2", "--learning-rate", "0.02", "--epochs", "30", "--part-size", "300", "--seed", "3", "--out", out]));
  assert.is(code, 0);
  const meta = JSON.parse(await readFile(join(out, "meta.json"), "utf8"));
  assert.equal(meta.options.earlyStopping, { patience: 2, maxEpochs: 30 });
  assert.ok(meta.options.epochs >= 1 && meta.options.epochs < 28, `stopped early: ${meta.options.epochs} epochs`);
  assert.is(await quiet(() => main(["train", "--dataset", "purchase", "--engine", "fused", "--patience", "2", "--noise-multiplier", "1", "--out", join(dir, "early-dp")])), 2, "with DP-SGD a usage error");
});

cli("loads a tfjs LayersModel saved elsewhere (other file names, Activation layer)", async () => {
  const out = join(dir, "foreign");
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, kernelInitializer: "ones" }), tf.layers.activation({ activation: "softmax" })] });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const json = { format: "layers-model", modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: artifacts.weightSpecs }] };
      const { mkdir } = await import("node:fs/promises");
      await mkdir(out, { recursive: true });
      await writeFile(join(out, "model.json"), JSON.stringify(json));
      await writeFile(join(out, "group1-shard1of1.bin"), new Uint8Array(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
  const loaded = await loadModel(join(out, "model.json"));
  assert.is(loaded.numClasses, 3);
  const x = new Float32Array([1, 2, 3, 4, -1, 0, 1, 0.5]);
  const p = await loaded.predict(x, 2);
  const expected = (model.predict(tf.tensor2d(x, [2, 4])) as tf.Tensor).dataSync();
  assert.equal(Array.from(p.values), Array.from(expected));
});

cli("clear errors: not softmax, missing model, bad options", async () => {
  const out = join(dir, "logits");
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 })] });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const { mkdir } = await import("node:fs/promises");
      await mkdir(out, { recursive: true });
      await writeFile(join(out, "model.json"), JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ["w.bin"], weights: artifacts.weightSpecs }] }));
      await writeFile(join(out, "w.bin"), new Uint8Array(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
  const rejects = async (promise: Promise<unknown>, pattern: RegExp) => {
    try {
      await promise;
      assert.unreachable(`expected ${pattern}`);
    } catch (error) {
      assert.match((error as Error).message, pattern);
    }
  };
  await rejects(loadModel(out), /activation is 'linear', expected 'softmax'/);
  await rejects(loadModel(join(dir, "nowhere")), /no such file or directory/);
  assert.is(await quiet(() => main(["train", "--dataset", "digits", "--model", "cnn", "--out", join(dir, "x")])), 2, "cnn on 8x8 digits is a usage error");
  assert.is(await quiet(() => main(["train", "--dataset", "digits", "--dropout", "1.5", "--out", join(dir, "x")])), 2);
  assert.is(await quiet(() => main(["train", "--dataset", "digits"])), 2, "--out is required");
  assert.is(await quiet(() => main(["train", "--dataset", "nope", "--out", join(dir, "x")])), 1);
});

cli.run();
