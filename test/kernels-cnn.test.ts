// The CNN kernels that run on tfjs-backend-wasm's heap (assembly/cnn.ts) against their plain
// TypeScript references (src/kernels/reference/cnn.ts): bit-equal, on shapes with SIMD tails,
// odd image sizes and ReLU ties. (test/models-kernels.test.ts holds the tfjs kernels built on
// them equal to tfjs-backend-cpu.)
import * as tf from "../src/models/tfjs/tf.js";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { col2im, conv2dDirect, convFilterGrad, convFilterGradSparse, convInputGradSparse, maxPoolGrad2x2, type ConvShape } from "../src/kernels/reference/cnn.js";
import { initModelBackend } from "../src/models/index.js";
import {
  cnnHeapKernelsAttached,
  filterGradListsScratchWords,
  heapCol2im,
  heapConv2DDirect,
  heapConvFilterGrad,
  heapConvFilterGradLists,
  heapConvFilterGradSparse,
  heapConvInputGradSparse,
  heapCountNonZero,
  heapMaxPoolGrad2x2,
  type WasmHeapBackend,
} from "../src/models/tfjs/kernels/heap.js";

const test = suite("cnn kernels on the tfjs-backend-wasm heap vs references");

interface Backend extends WasmHeapBackend {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
}
let backend: Backend;

test.before(async () => {
  await initKernels();
  await initModelBackend();
  await tf.setBackend("wasm");
  backend = tf.backend() as unknown as Backend;
});

function uniform(rng: Pcg32, n: number, reluZeros = false): Float32Array {
  return Float32Array.from(rng.fillFloat64(n), (u) => (reluZeros ? Math.max(0, u * 2 - 1) : u * 2 - 1));
}

/** Runs a heap kernel writing a fresh output of `shape`, returns the output's values. */
function onHeap(shape: number[], inputs: Array<[Float32Array, number[]]>, kernel: (ts: tf.TensorInfo[], out: tf.TensorInfo) => boolean): Float32Array {
  const tensors = inputs.map(([v, s]) => tf.tensor(v, s));
  const out = backend.makeOutput(shape, "float32");
  assert.ok(kernel(tensors.map((t) => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype }) as tf.TensorInfo), out), "kernel ran on the heap");
  const result = tf.engine().makeTensorFromTensorInfo(out);
  const values = result.dataSync() as Float32Array;
  tf.dispose([...tensors, result]);
  return values;
}

function bitEqual(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const first = a.findIndex((v, i) => v !== e[i]);
  assert.is(first, -1, `${what}: first differing element ${first} (${actual[first]} vs ${expected[first]})`);
}

test("the kernels attach to the backend's memory (plain, or shared in the threaded build)", () => {
  assert.ok(cnnHeapKernelsAttached());
});

test("cnnMaxPoolGrad2x2 = reference (ties from ReLU zeros, odd sizes, channel tails)", () => {
  const rng = new Pcg32(21);
  for (const [batch, inHeight, inWidth, channels] of [[3, 11, 10, 5], [2, 24, 24, 32], [1, 9, 9, 3], [2, 8, 6, 4]] as const) {
    const shape = { batch, inHeight, inWidth, channels, outHeight: inHeight >> 1, outWidth: inWidth >> 1 };
    const x = uniform(rng, batch * inHeight * inWidth * channels, true);
    const dy = uniform(rng, batch * shape.outHeight * shape.outWidth * channels);
    const expected = new Float32Array(x.length);
    maxPoolGrad2x2(x, dy, expected, shape);
    const dyShape = [batch, shape.outHeight, shape.outWidth, channels];
    const actual = onHeap([batch, inHeight, inWidth, channels], [[x, [batch, inHeight, inWidth, channels]], [dy, dyShape]], ([xt, dyt], out) =>
      heapMaxPoolGrad2x2(backend, xt!, dyt!, out, shape),
    );
    bitEqual(actual, expected, `max-pool gradient ${JSON.stringify(shape)}`);
  }
});

const convShapes: ConvShape[] = [
  { batch: 2, inHeight: 12, inWidth: 12, channels: 32, outHeight: 8, outWidth: 8, filterHeight: 5, filterWidth: 5 },
  { batch: 2, inHeight: 9, inWidth: 8, channels: 3, outHeight: 7, outWidth: 5, filterHeight: 3, filterWidth: 4 },
  { batch: 3, inHeight: 28, inWidth: 28, channels: 1, outHeight: 24, outWidth: 24, filterHeight: 5, filterWidth: 5 },
];

test("cnnCol2im = reference", () => {
  const rng = new Pcg32(22);
  for (const s of convShapes) {
    const rows = s.batch * s.outHeight * s.outWidth;
    const taps = s.filterHeight * s.filterWidth * s.channels;
    const col = uniform(rng, rows * taps);
    const expected = new Float32Array(s.batch * s.inHeight * s.inWidth * s.channels);
    col2im(col, expected, s);
    const actual = onHeap([s.batch, s.inHeight, s.inWidth, s.channels], [[col, [rows, taps]]], ([c], out) => heapCol2im(backend, c!, out, s));
    bitEqual(actual, expected, `col2im ${JSON.stringify(s)}`);
  }
});

test("cnnConvFilterGrad = reference (32-channel blocks and 4-channel tails)", () => {
  const rng = new Pcg32(23);
  for (const [s, outChannels] of [[convShapes[2]!, 32], [convShapes[1]!, 36], [convShapes[1]!, 8]] as const) {
    const shape = { ...s, outChannels };
    const x = uniform(rng, s.batch * s.inHeight * s.inWidth * s.channels, true);
    const dy = uniform(rng, s.batch * s.outHeight * s.outWidth * outChannels);
    const expected = new Float32Array(s.filterHeight * s.filterWidth * s.channels * outChannels);
    convFilterGrad(x, dy, expected, shape);
    const actual = onHeap([s.filterHeight, s.filterWidth, s.channels, outChannels], [[x, [s.batch, s.inHeight, s.inWidth, s.channels]], [dy, [s.batch, s.outHeight, s.outWidth, outChannels]]], ([xt, dyt], out) =>
      heapConvFilterGrad(backend, xt!, dyt!, out, shape),
    );
    bitEqual(actual, expected, `filter gradient ${JSON.stringify(shape)}`);
  }
});

/** dy as training hands it over: a max-pool's gradient (one cell per 2x2 window, the others 0)
 *  of which about half is zero (a ReLU), with -0s among the zeros and one NaN (kept, not skipped). */
function pooledGradient(rng: Pcg32, batch: number, height: number, width: number, channels: number): Float32Array {
  const dy = new Float32Array(batch * height * width * channels);
  const u = rng.fillFloat64(dy.length * 3);
  for (let i = 0; i < dy.length; i++) {
    const [b, h, w, c] = [Math.floor(i / (height * width * channels)), Math.floor(i / (width * channels)) % height, Math.floor(i / channels) % width, i % channels];
    const pick = Math.floor(u[((b * height + (h & ~1)) * width + (w & ~1)) * channels + c]! * 4);
    const picked = pick === (h & 1) * 2 + (w & 1);
    dy[i] = picked && u[dy.length + i]! < 0.5 ? u[2 * dy.length + i]! * 2 - 1 : u[2 * dy.length + i]! < 0.5 ? -0 : 0;
  }
  dy[Math.floor(dy.length / 3)] = NaN;
  return dy;
}

// Runs of 160, 12, 5 (first layer, 28x28x1), 15 (32x32x3) and 35 floats; 32, 6 and 13 output channels.
const sparseCases: Array<[ConvShape, number]> = [
  [convShapes[0]!, 32],
  [convShapes[1]!, 6],
  [convShapes[2]!, 32],
  [{ batch: 2, inHeight: 32, inWidth: 32, channels: 3, outHeight: 28, outWidth: 28, filterHeight: 5, filterWidth: 5 }, 32],
  [{ ...convShapes[0]!, channels: 7 }, 13],
];

test("cnnCountNonZero counts values other than +0 and -0 (NaN counts)", () => {
  const rng = new Pcg32(24);
  const values = pooledGradient(rng, 2, 8, 6, 7);
  const expected = values.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
  assert.ok(values.some((v) => Object.is(v, -0)) && expected < values.length / 4, "fixture has -0s and mostly zeros");
  const t = tf.tensor(values, [2, 8, 6, 7]);
  assert.is(heapCountNonZero(backend, { dataId: t.dataId, shape: t.shape, dtype: t.dtype }), expected);
  t.dispose();
});

test("cnnConvFilterGradSparse = reference (max-pool-shaped dy with -0s and a NaN, channel and SIMD tails)", () => {
  const rng = new Pcg32(25);
  for (const [s, outChannels] of sparseCases) {
    const shape = { ...s, outChannels };
    const x = uniform(rng, s.batch * s.inHeight * s.inWidth * s.channels, true);
    const dy = pooledGradient(rng, s.batch, s.outHeight, s.outWidth, outChannels);
    const expected = new Float32Array(s.filterHeight * s.filterWidth * s.channels * outChannels);
    convFilterGradSparse(x, dy, expected, shape);
    const taps = s.filterHeight * s.filterWidth * s.channels;
    const actual = onHeap([s.filterHeight, s.filterWidth, s.channels, outChannels], [[x, [s.batch, s.inHeight, s.inWidth, s.channels]], [dy, [s.batch, s.outHeight, s.outWidth, outChannels]], [new Float32Array(taps * outChannels), [outChannels, taps]]], ([xt, dyt, scratch], out) =>
      heapConvFilterGradSparse(backend, xt!, dyt!, out, scratch!, shape),
    );
    bitEqual(actual, expected, `sparse filter gradient ${JSON.stringify(shape)}`);
  }
});

test("cnnConvFilterGradLists = reference (= cnnConvFilterGradSparse's bits; rows of 5, 12 and 15 floats, the last near x's end)", () => {
  const rng = new Pcg32(27);
  for (const [s, outChannels] of sparseCases.filter(([c]) => c.filterWidth * c.channels <= 16)) {
    const shape = { ...s, outChannels };
    const x = uniform(rng, s.batch * s.inHeight * s.inWidth * s.channels, true);
    const dy = pooledGradient(rng, s.batch, s.outHeight, s.outWidth, outChannels);
    // The last position's every co not zero: its patch ends at x's end.
    dy.fill(0.5, dy.length - outChannels);
    const expected = new Float32Array(s.filterHeight * s.filterWidth * s.channels * outChannels);
    convFilterGradSparse(x, dy, expected, shape);
    const nonZero = dy.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
    const words = filterGradListsScratchWords(outChannels, nonZero);
    const actual = onHeap([s.filterHeight, s.filterWidth, s.channels, outChannels], [[x, [s.batch, s.inHeight, s.inWidth, s.channels]], [dy, [s.batch, s.outHeight, s.outWidth, outChannels]], [new Float32Array(words), [words]]], ([xt, dyt, scratch], out) =>
      heapConvFilterGradLists(backend, xt!, dyt!, out, scratch!, nonZero, shape),
    );
    bitEqual(actual, expected, `filter gradient from lists ${JSON.stringify(shape)}`);
  }
});

test("cnnConv2DDirect = reference (odd output widths, 16-channel blocks)", () => {
  const rng = new Pcg32(28);
  for (const [s, outChannels] of [[convShapes[2]!, 32], [convShapes[0]!, 32], [convShapes[1]!, 16], [{ batch: 2, inHeight: 32, inWidth: 32, channels: 3, outHeight: 28, outWidth: 28, filterHeight: 5, filterWidth: 5 }, 48]] as const) {
    const shape = { ...s, outChannels };
    const x = uniform(rng, s.batch * s.inHeight * s.inWidth * s.channels, true);
    const w = uniform(rng, s.filterHeight * s.filterWidth * s.channels * outChannels);
    const expected = new Float32Array(s.batch * s.outHeight * s.outWidth * outChannels);
    conv2dDirect(x, w, expected, shape);
    const actual = onHeap([s.batch, s.outHeight, s.outWidth, outChannels], [[x, [s.batch, s.inHeight, s.inWidth, s.channels]], [w, [s.filterHeight, s.filterWidth, s.channels, outChannels]]], ([xt, wt], out) =>
      heapConv2DDirect(backend, xt!, wt!, out, shape),
    );
    bitEqual(actual, expected, `direct convolution ${JSON.stringify(shape)}`);
  }
});

test("cnnConvInputGradSparse = reference (max-pool-shaped dy with -0s and a NaN, channel and SIMD tails)", () => {
  const rng = new Pcg32(26);
  for (const [s, outChannels] of sparseCases) {
    const shape = { ...s, outChannels };
    const taps = s.filterHeight * s.filterWidth * s.channels;
    const w = uniform(rng, taps * outChannels);
    const dy = pooledGradient(rng, s.batch, s.outHeight, s.outWidth, outChannels);
    const expected = new Float32Array(s.batch * s.inHeight * s.inWidth * s.channels);
    convInputGradSparse(dy, w, expected, shape);
    const actual = onHeap([s.batch, s.inHeight, s.inWidth, s.channels], [[dy, [s.batch, s.outHeight, s.outWidth, outChannels]], [w, [s.filterHeight, s.filterWidth, s.channels, outChannels]], [new Float32Array(taps * outChannels), [outChannels, taps]]], ([dyt, wt, scratch], out) =>
      heapConvInputGradSparse(backend, dyt!, wt!, out, scratch!, shape),
    );
    bitEqual(actual, expected, `sparse input gradient ${JSON.stringify(shape)}`);
  }
});

test.run();
