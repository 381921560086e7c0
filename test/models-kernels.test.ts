// The project's wasm kernels (Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, BatchMatMul, Sum, MaxPoolGrad) against
// tfjs-backend-cpu on the same inputs, and a whole CNN step's gradients (every kernel the models
// run on wasm: fused conv, max-pool and its gradient, tanh, softmax cross-entropy, ...).
import * as tf from "../src/models/tfjs/tf.js";
import "@tensorflow/tfjs-backend-cpu";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { initModelBackend } from "../src/models/index.js";
import { relativeError } from "./kernels-fixtures.js";
import { sumLeadingRows } from "../src/models/tfjs/kernels/reductions.js";

const kernels = suite("models: wasm gradient kernels vs tfjs-backend-cpu");

/** relativeError, on a result that is not all zeros. */
function relativeErrorNonTrivial(actual: Float32Array, expected: Float32Array): number {
  assert.ok(expected.some((v) => v !== 0), "non-trivial result");
  return relativeError(actual, expected);
}

function uniform(rng: Pcg32, n: number): Float32Array {
  return Float32Array.from(rng.fillFloat64(n), (u) => u * 2 - 1);
}

/** Runs fn on the cpu backend and on the wasm backend; returns [cpu, wasm] results. */
async function onBoth<T>(fn: () => T): Promise<[T, T]> {
  const results: T[] = [];
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    tf.tidy(() => {
      results.push(fn());
    });
  }
  return [results[0]!, results[1]!];
}

kernels.before(async () => {
  await initKernels();
  const info = await initModelBackend();
  assert.is(info.backend, "wasm");
});

kernels.after(async () => {
  await tf.setBackend("wasm");
});

kernels("the wasm backend runs the project's Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput", () => {
  assert.ok(tf.getKernel("Conv2D", "wasm"), "Conv2D registered for wasm");
  assert.ok(tf.getKernel("Conv2DBackpropFilter", "wasm"), "Conv2DBackpropFilter registered for wasm");
  assert.ok(tf.getKernel("Conv2DBackpropInput", "wasm"), "Conv2DBackpropInput registered for wasm");
  for (const name of ["Conv2D", "FusedConv2D", "MaxPool", "MaxPoolGrad", "Transpose", "Reverse", "_FusedMatMul", "Tanh", "Step", "Softmax"]) {
    assert.ok(tf.getKernel(name, "wasm"), `${name} exists on wasm`);
  }
});

// [batch, height, width, inChannels, outChannels, kernel, pad, stride]: the CNN's two layers on
// 28x28x1 and 32x32x3 inputs (small batches: the cpu backend is slow), "same" padding, and strides
// the composition does not cover (plain loop / the backend's own kernel).
const cases: Array<[number, number, number, number, number, number, "valid" | "same", number]> = [
  [3, 28, 28, 1, 32, 5, "valid", 1],
  [2, 32, 32, 3, 32, 5, "valid", 1],
  [2, 12, 12, 32, 32, 5, "valid", 1],
  [3, 14, 14, 32, 64, 5, "valid", 1],
  [2, 9, 11, 3, 4, 3, "same", 1],
  [2, 9, 9, 2, 3, 3, "same", 2],
  [2, 7, 8, 3, 4, 3, "valid", 2],
];

// Each case with a dense dy (the dense paths) and with seven values in eight zero, as behind a
// max-pool and a ReLU (the sparse kernels, on unpadded stride-1 shapes).
for (const [b, h, w, ci, co, k, pad, stride] of cases) for (const zeroShare of [0, 0.875]) {
  kernels(`conv gradients, x [${b},${h},${w},${ci}], filter [${k},${k},${ci},${co}], ${pad}, stride ${stride}, ${100 * zeroShare}% of dy zero`, async () => {
    const rng = new Pcg32(b * 1000 + h * 10 + ci, co);
    const xv = uniform(rng, b * h * w * ci);
    const fv = uniform(rng, k * k * ci * co);
    const oh = pad === "same" ? Math.ceil(h / stride) : Math.floor((h - k) / stride) + 1;
    const ow = pad === "same" ? Math.ceil(w / stride) : Math.floor((w - k) / stride) + 1;
    const keep = rng.fillFloat64(b * oh * ow * co);
    const dyv = uniform(rng, b * oh * ow * co).map((v, i) => (keep[i]! < zeroShare ? 0 : v));
    const [cpu, wasm] = await onBoth(() => {
      const x = tf.tensor4d(xv, [b, h, w, ci]);
      const filter = tf.tensor4d(fv, [k, k, ci, co]);
      const dy = tf.tensor4d(dyv, [b, oh, ow, co]);
      const attrs = { strides: [stride, stride], pad, dataFormat: "NHWC" };
      const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { ...attrs, filterShape: [k, k, ci, co] }) as tf.Tensor;
      const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, { ...attrs, inputShape: [b, h, w, ci] }) as tf.Tensor;
      const y = tf.conv2d(x, filter, stride, pad);
      return { dw: dw.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, y: y.dataSync() as Float32Array };
    });
    assert.ok(relativeErrorNonTrivial(wasm.y, cpu.y) <= 1e-4, `convolution within 1e-4 (got ${relativeErrorNonTrivial(wasm.y, cpu.y)})`);
    assert.ok(relativeErrorNonTrivial(wasm.dw, cpu.dw) <= 1e-4, `filter gradient within 1e-4 (got ${relativeErrorNonTrivial(wasm.dw, cpu.dw)})`);
    assert.ok(relativeErrorNonTrivial(wasm.dx, cpu.dx) <= 1e-4, `input gradient within 1e-4 (got ${relativeErrorNonTrivial(wasm.dx, cpu.dx)})`);
  });
}

kernels("BatchMatMul with transposed operands (dense-layer gradients)", async () => {
  const rng = new Pcg32(11);
  const av = uniform(rng, 2 * 37 * 23);
  const bv = uniform(rng, 2 * 23 * 19);
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const [cpu, wasm] = await onBoth(() => {
      const a = tf.tensor3d(av, ta ? [2, 23, 37] : [2, 37, 23]);
      const b = tf.tensor3d(bv, tb ? [2, 19, 23] : [2, 23, 19]);
      return tf.matMul(a, b, ta, tb).dataSync() as Float32Array;
    });
    assert.ok(relativeErrorNonTrivial(wasm, cpu) <= 1e-4, `transposeA ${ta}, transposeB ${tb}: within 1e-4 (got ${relativeErrorNonTrivial(wasm, cpu)})`);
  }
});

kernels("Sum over leading axes (bias gradients) and over other axes", async () => {
  const rng = new Pcg32(12);
  const xv = uniform(rng, 6 * 7 * 5 * 4);
  for (const [axis, keepDims] of [[[0, 1, 2], false], [[0], true], [[0, 1], false], [[3], false], [[1, 2], false], [[0, 1, 2, 3], false]] as const) {
    const [cpu, wasm] = await onBoth(() => {
      const total = tf.sum(tf.tensor4d(xv, [6, 7, 5, 4]), [...axis], keepDims);
      return { shape: total.shape, values: total.dataSync() as Float32Array };
    });
    assert.equal(wasm.shape, cpu.shape, `axes ${axis}: shape`);
    const err = relativeErrorNonTrivial(wasm.values, cpu.values);
    assert.ok(err <= 1e-4, `axes ${axis}: within 1e-4 (got ${err})`);
  }
});

kernels("Sum over leading axes: four columns a pass gives the bits of adding row by row in float64", () => {
  const rng = new Pcg32(14);
  // 37 columns: nine passes of four and a single remaining column.
  for (const [rows, cols] of [[50, 37], [3, 4], [7, 1]] as const) {
    const xv = uniform(rng, rows * cols);
    const expected = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expected[c] += xv[r * cols + c]!;
    assert.equal(Array.from(sumLeadingRows(xv, rows, cols)), Array.from(expected), `${rows} x ${cols}`);
    const viaKernel = tf.tidy(() => tf.sum(tf.tensor2d(xv, [rows, cols]), 0).dataSync() as Float32Array);
    assert.equal(Array.from(viaKernel), Array.from(Float32Array.from(expected)), `${rows} x ${cols}: the wasm Sum kernel`);
  }
});

kernels("Identity shares the input's data: a saved tensor outlives its source with the same values", () => {
  const x = tf.tensor1d([1, 2, 3]);
  const buffers = () => (tf.memory() as { numDataBuffers: number }).numDataBuffers;
  const before = buffers();
  const copy = tf.clone(x);
  assert.is(buffers(), before, "no new data buffer");
  x.dispose();
  assert.equal(Array.from(copy.dataSync()), [1, 2, 3]);
  assert.is(buffers(), before, "the data stays until its last tensor goes");
  copy.dispose();
  assert.is(buffers(), before - 1, "then it goes");
});

kernels("MaxPoolGrad (ties from ReLU zeros, overlapping windows, padding)", async () => {
  const rng = new Pcg32(13);
  // Half the inputs are exactly 0, as after a ReLU: windows with tied maxima.
  const xv = Float32Array.from(uniform(rng, 3 * 11 * 10 * 4), (v) => Math.max(0, v));
  for (const [size, stride, pad] of [[2, 2, "valid"], [3, 3, "valid"], [3, 2, "valid"], [2, 2, "same"]] as const) {
    const [cpu, wasm] = await onBoth(() => {
      const x = tf.tensor4d(xv, [3, 11, 10, 4]);
      // Weighting each pooled output differently makes every routed gradient distinct.
      const pooled = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, size, stride, pad);
      const weights = tf.reshape(tf.range(1, 1 + pooled(x).size), pooled(x).shape);
      return tf.grad((t) => tf.sum(tf.mul(pooled(t), weights)))(x).dataSync() as Float32Array;
    });
    assert.ok(relativeErrorNonTrivial(wasm, cpu) <= 1e-4, `pool ${size} stride ${stride} ${pad}: within 1e-4 (got ${relativeErrorNonTrivial(wasm, cpu)})`);
  }
});

kernels("a whole CNN training step: every weight gradient on wasm matches cpu", async () => {
  const rng = new Pcg32(5);
  const batch = 4;
  const shapes: number[][] = [[5, 5, 3, 32], [32], [5, 5, 32, 32], [32], [800, 128], [128], [128, 10], [10]];
  const values = shapes.map((s) => Float32Array.from(uniform(rng, s.reduce((a, c) => a * c, 1)), (v) => v * 0.2));
  const xv = uniform(rng, batch * 32 * 32 * 3);
  const labels = Array.from({ length: batch }, (_, i) => (i * 3) % 10);
  const [cpu, wasm] = await onBoth(() => {
    const params = values.map((v, i) => tf.tensor(v, shapes[i]!));
    const x = tf.tensor4d(xv, [batch, 32, 32, 3]);
    const y = tf.oneHot(labels, 10);
    const loss = (...p: tf.Tensor[]) => {
      let h = tf.fused.conv2d({ x, filter: p[0] as tf.Tensor4D, bias: p[1]!, activation: "relu", strides: 1, pad: "valid" });
      h = tf.maxPool(h, 2, 2, "valid");
      h = tf.fused.conv2d({ x: h, filter: p[2] as tf.Tensor4D, bias: p[3]!, activation: "relu", strides: 1, pad: "valid" });
      h = tf.maxPool(h, 2, 2, "valid");
      const flat = tf.tanh(tf.fused.matMul({ a: tf.reshape(h, [batch, -1]) as tf.Tensor2D, b: p[4] as tf.Tensor2D, bias: p[5]! }));
      const logits = tf.fused.matMul({ a: flat, b: p[6] as tf.Tensor2D, bias: p[7]! });
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    };
    return tf.grads(loss)(params).map((g) => g.dataSync() as Float32Array);
  });
  cpu.forEach((expected, i) => {
    const err = relativeErrorNonTrivial(wasm[i]!, expected);
    assert.ok(err <= 1e-4, `gradient of weight ${i} (shape ${JSON.stringify(shapes[i])}) within 1e-4, got ${err}`);
  });
});

kernels.run();
