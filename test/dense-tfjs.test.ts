// The fused dense kernels against tfjs-backend-cpu on the same weights and batch: gradients
// (tf.grads of softmax cross-entropy + L2), posteriors, and Adam steps (tf.train.adam).
import * as tf from "../src/models/tfjs/tf.js";
import "@tensorflow/tfjs-backend-cpu";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ReferencePcg32 } from "../src/kernels/reference/random.js";
import { ADAM_DEFAULTS, FusedDenseTrainer, denseLayers, trainLoop, type DenseLayerSpec } from "../src/models/dense/index.js";
import { relativeError } from "./kernels-fixtures.js";

const versusTfjs = suite("fused dense trainer vs tfjs-backend-cpu");
versusTfjs.before(async () => {
  if (!(await tf.setBackend("cpu"))) throw new Error("tfjs-backend-cpu did not start");
});

function batch(rows: number, dim: number, classes: number, seed: number) {
  const rng = new ReferencePcg32(BigInt(seed), 5n);
  return {
    features: Float32Array.from({ length: rows * dim }, () => (rng.nextFloat64() < 0.4 ? 1 : 0)),
    labels: Int32Array.from({ length: rows }, () => rng.nextUint32() % classes),
  };
}


/** The same network in tfjs ops: logits of the last layer, and the training loss on a batch. */
function tfjsLoss(layers: readonly DenseLayerSpec[], params: tf.Tensor[], x: tf.Tensor2D, onehot: tf.Tensor2D, l2: number): tf.Scalar {
  let h: tf.Tensor2D = x;
  layers.forEach(({ activation }, l) => {
    const z = tf.add(tf.matMul(h, params[2 * l] as tf.Tensor2D), params[2 * l + 1]!) as tf.Tensor2D;
    h = activation === "tanh" ? tf.tanh(z) : activation === "relu" ? tf.relu(z) : z;
  });
  const ce = tf.losses.softmaxCrossEntropy(onehot, h) as tf.Scalar;
  const penalty = tf.addN(layers.map((_, l) => tf.sum(tf.square(params[2 * l]!))));
  return tf.add(ce, tf.mul(l2, penalty)) as tf.Scalar;
}

function shapes(layers: readonly DenseLayerSpec[]): [number, number][] | number[][] {
  return layers.flatMap(({ inputs, units }) => [[inputs, units], [units]]);
}

const cases: [string, DenseLayerSpec[], number][] = [
  ["mlp 600 -> 128 -> 100", denseLayers("mlp", 600, 100), 100], // the paper's Purchase-100 model, batch 100
  ["deep-mlp 50 -> 256 -> 128 -> 64 -> 10", denseLayers("deep-mlp", 50, 10), 64],
  ["attack-mlp 3 -> 64 -> 2", denseLayers("attack-mlp", 3, 2), 100],
  ["logreg 20 -> 5", denseLayers("logreg", 20, 5), 33],
  [
    "relu 9 -> 24 -> 12 (tanh) -> 4",
    [
      { inputs: 9, units: 24, activation: "relu" },
      { inputs: 24, units: 12, activation: "tanh" },
      { inputs: 12, units: 4, activation: "softmax" },
    ],
    50,
  ],
];

for (const [label, layers, rows] of cases) {
  const dim = layers[0]!.inputs;
  const classes = layers.at(-1)!.units;
  versusTfjs(`${label}, batch ${rows}: gradients and posteriors equal tfjs-cpu's`, async () => {
    const l2 = 1e-3;
    const trainer = await FusedDenseTrainer.create(layers);
    trainer.initialize(7, { learningRate: 0.001, l2, ...ADAM_DEFAULTS });
    const weights = trainer.weights();
    const { features, labels } = batch(rows, dim, classes, 3);
    const ours = trainer.gradients(features, labels, rows);
    const theirs = tf.tidy(() => {
      const params = weights.map((w, i) => tf.tensor(w, shapes(layers)[i]!));
      const x = tf.tensor2d(features, [rows, dim]);
      const onehot = tf.oneHot(tf.tensor1d(labels, "int32"), classes) as tf.Tensor2D;
      return tf.grads((...p: tf.Tensor[]) => tfjsLoss(layers, p, x, onehot, l2))(params).map((g) => g.dataSync() as Float32Array);
    });
    ours.forEach((g, t) => {
      const error = relativeError(g, theirs[t]!);
      assert.ok(error <= 1e-4, `gradient ${t}: relative error ${error}`);
    });
    const probs = tf.tidy(() => {
      let h: tf.Tensor2D = tf.tensor2d(features, [rows, dim]);
      layers.forEach(({ activation }, l) => {
        const z = tf.add(tf.matMul(h, tf.tensor(weights[2 * l]!, [layers[l]!.inputs, layers[l]!.units]) as tf.Tensor2D), tf.tensor(weights[2 * l + 1]!)) as tf.Tensor2D;
        h = activation === "tanh" ? tf.tanh(z) : activation === "relu" ? tf.relu(z) : tf.softmax(z);
      });
      return h.dataSync() as Float32Array;
    });
    const error = relativeError(trainer.predict(features, rows), probs);
    assert.ok(error <= 1e-5, `posteriors: relative error ${error}`);
  });
}

versusTfjs("three full-batch Adam steps equal tf.train.adam's", async () => {
  const layers = denseLayers("mlp", 40, 6);
  const rows = 64;
  const l2 = 1e-4;
  const learningRate = 0.01;
  const trainer = await FusedDenseTrainer.create(layers);
  trainer.initialize(9, { learningRate, l2, ...ADAM_DEFAULTS });
  const initial = trainer.weights();
  const { features, labels } = batch(rows, 40, 6, 4);
  await trainLoop(trainer, features, labels, rows, { epochs: 3, batchSize: rows, seed: 9, adam: { learningRate, l2, ...ADAM_DEFAULTS } });
  const ours = trainer.weights();
  const params = initial.map((w, i) => tf.variable(tf.tensor(w, shapes(layers)[i]!)));
  const x = tf.tensor2d(features, [rows, 40]);
  const onehot = tf.oneHot(tf.tensor1d(labels, "int32"), 6) as tf.Tensor2D;
  const optimizer = tf.train.adam(learningRate, ADAM_DEFAULTS.beta1, ADAM_DEFAULTS.beta2, ADAM_DEFAULTS.epsilon);
  for (let step = 0; step < 3; step++) optimizer.minimize(() => tfjsLoss(layers, params, x, onehot, l2), false, params);
  ours.forEach((w, t) => {
    const error = relativeError(w, params[t]!.dataSync() as Float32Array);
    assert.ok(error <= 1e-4, `weights ${t} after 3 steps: relative error ${error}`);
  });
  tf.dispose([...params, x, onehot]);
  optimizer.dispose();
});

versusTfjs.run();
