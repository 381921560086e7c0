// The JS Adam step and cross-entropy the tfjs trainer uses, against tfjs's own (tf.train.adam,
// tf.losses.softmaxCrossEntropy with an L2 term) on the same parameters and gradients.
import * as tf from "../src/models/tfjs/tf.js";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { Adam, softmaxCrossEntropy } from "../src/models/adam.js";
import { initModelBackend } from "../src/models/index.js";

const adam = suite("models: Adam and cross-entropy vs tfjs");

adam.before(async () => {
  await initKernels();
  await initModelBackend();
});

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.is(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

adam("five Adam steps with L2 on the kernel match tf.train.adam on loss + l2 * sum(w^2)", () => {
  const rng = new Pcg32(3);
  const rows = 8;
  const x = Float32Array.from(rng.fillFloat64(rows * 5), (u) => u * 2 - 1);
  const labels = Int32Array.from(rng.fillUint32(rows), (u) => u % 3);
  const w0 = Float32Array.from(rng.fillFloat64(15), (u) => u - 0.5);
  const b0 = Float32Array.from(rng.fillFloat64(3), (u) => u - 0.5);
  const l2 = 0.01;
  const xs = tf.tensor2d(x, [rows, 5]);
  const y = tf.oneHot(tf.tensor1d(labels, "int32"), 3);
  const lossOf = (w: tf.Tensor, b: tf.Tensor) =>
    tf.add(tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(xs, w), b)), tf.mul(l2, tf.sum(tf.square(w)))) as tf.Scalar;

  // tfjs's optimizer on tfjs's loss.
  const w = tf.variable(tf.tensor2d(w0, [5, 3]));
  const b = tf.variable(tf.tensor1d(b0));
  const optimizer = tf.train.adam(0.05);
  // Ours: JS Adam on gradients of the plain cross-entropy, L2 added by the optimizer.
  const params = [w0.slice(), b0.slice()];
  const ours = new Adam([15, 3], { learningRate: 0.05 });
  for (let step = 0; step < 5; step++) {
    const [pw, pb] = [tf.tensor2d(params[0]!, [5, 3]), tf.tensor1d(params[1]!)];
    const logits = tf.add(tf.matMul(xs, pw), pb);
    const ce = tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(xs, pw), pb)).dataSync()[0]!;
    close([softmaxCrossEntropy(logits.dataSync() as Float32Array, labels, 3)], [ce], 1e-6, "cross-entropy");
    const grads = tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(xs, a), c)) as tf.Scalar)([pw, pb]);
    ours.step(params, grads.map((g) => g.dataSync()), [l2, 0]);
    optimizer.minimize(() => lossOf(w, b), false, [w, b]);
    tf.dispose([pw, pb, logits, ...grads]);
  }
  close(params[0]!, w.dataSync(), 1e-5, "kernel");
  close(params[1]!, b.dataSync(), 1e-5, "bias");
  tf.dispose([w, b, xs, y]);
  optimizer.dispose();
});

adam.run();
