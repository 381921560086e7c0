// npm run bench:cnn-kernels: the CNN kernels on tfjs-backend-wasm's heap (assembly/cnn.ts), the
// forward convolution and the gradients, against the paths they replace, on the paper CNN's
// layers at batch 100, measured in the same run.
// The output gradient dy is what training hands these kernels: a 2x2 max-pool's gradient (one cell
// in four of each window) of a ReLU's (about half zero), and, as the worst case, a dense dy.
// Each round runs every contender once, back to back; the table shows medians over rounds of the
// ms per call and of the ratio taken within each round (a shared machine's load moves both alike).
// Environment: BENCH_ROUNDS (default 7).
import { loadavg } from "node:os";
import * as tf from "../src/models/tfjs/tf.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { initModelBackend } from "../src/models/index.js";
import {
  filterGradListsScratchWords,
  heapCol2im,
  heapConv2DDirect,
  heapConvFilterGrad,
  heapConvFilterGradLists,
  heapConvFilterGradSparse,
  heapConvInputGradSparse,
  heapCountNonZero,
  type WasmHeapBackend,
} from "../src/models/tfjs/kernels/heap.js";

interface Backend extends WasmHeapBackend {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const BATCH = 100;
const layers = [
  { name: "28x28x1 conv1", h: 28, w: 28, ci: 1 },
  { name: "28x28x1 conv2", h: 12, w: 12, ci: 32 },
  { name: "32x32x3 conv1", h: 32, w: 32, ci: 3 },
  { name: "32x32x3 conv2", h: 14, w: 14, ci: 32 },
];
const K = 5;
const CO = 32;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function uniform(rng: Pcg32, n: number, zeroShare = 0): Float32Array {
  const u = rng.fillFloat64(2 * n);
  return Float32Array.from({ length: n }, (_, i) => (u[n + i]! < zeroShare ? 0 : u[i]! * 2 - 1));
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** Times a kernel and the path it replaces in alternation; prints one table row. */
function report(layer: string, dy: string, name: string, kernel: () => unknown, baseName: string, base: () => unknown): void {
  kernel();
  base();
  const ms: number[] = [];
  const baseMs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = time(kernel);
    const b = time(base);
    ms.push(a);
    baseMs.push(b);
    ratios.push(b / a);
  }
  console.log(`| ${layer} | ${dy} | ${name} | ${median(ms).toFixed(2)} | ${baseName} | ${median(baseMs).toFixed(2)} | ${median(ratios).toFixed(2)}x |`);
}

await initKernels();
await initModelBackend();
await tf.setBackend("wasm");
const backend = tf.backend() as unknown as Backend;
const info = (t: tf.Tensor) => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype }) as tf.TensorInfo;
const rng = new Pcg32(16, 3);

console.log(`CNN kernels, batch ${BATCH}, ${K}x${K} filters, ${CO} output channels; medians of ${ROUNDS} rounds; load average ${loadavg()[0]!.toFixed(1)}`);
console.log("");
console.log("| layer | dy | kernel | ms | replaces | ms | speed-up |");
console.log("|---|---|---|---|---|---|---|");
for (const layer of layers) {
  const oh = layer.h - K + 1;
  const ow = layer.w - K + 1;
  const shape = { batch: BATCH, inHeight: layer.h, inWidth: layer.w, channels: layer.ci, outHeight: oh, outWidth: ow, filterHeight: K, filterWidth: K, outChannels: CO };
  const taps = K * K * layer.ci;
  const x = tf.tensor4d(uniform(rng, BATCH * layer.h * layer.w * layer.ci, 0.5), [BATCH, layer.h, layer.w, layer.ci]);
  const filter = tf.tensor4d(uniform(rng, taps * CO), [K, K, layer.ci, CO]);
  const z = tf.tensor4d(uniform(rng, BATCH * oh * ow * CO), [BATCH, oh, ow, CO]);
  const pooled = tf.maxPool(z, 2, 2, "valid");
  const dPooled = tf.tensor(uniform(rng, pooled.size, 0.5), pooled.shape);
  const pooledDy = tf.engine().runKernel("MaxPoolGrad", { dy: dPooled, input: z, output: pooled }, { filterSize: 2, strides: 2, pad: "valid" }) as tf.Tensor4D;
  const denseDy = tf.tensor4d(uniform(rng, z.size), z.shape);
  const outputs = {
    dw: backend.makeOutput([K, K, layer.ci, CO], "float32"),
    dx: backend.makeOutput(x.shape, "float32"),
    scratch: backend.makeOutput([CO, taps], "float32"),
    y: backend.makeOutput([BATCH, oh, ow, CO], "float32"),
  };
  {
    // The forward convolution: the direct kernel against XNNPACK's (the backend's own Conv2D).
    // (The backend's FusedConv2D without bias or activation runs XNNPACK's convolution.)
    const direct = () => heapConv2DDirect(backend, info(x), info(filter), outputs.y, shape);
    const xnnpack = () =>
      tf.tidy(() => {
        tf.engine().runKernel("FusedConv2D", { x, filter }, { strides: 1, pad: "valid", dataFormat: "NHWC", dilations: 1, activation: "linear" });
      });
    report(layer.name, "", "forward convolution, direct", direct, "XNNPACK convolution", xnnpack);
  }
  for (const [dyName, dy] of [["max-pool + ReLU", pooledDy], ["dense", denseDy]] as const) {
    const nonZero = (dy.dataSync() as Float32Array).reduce((n, v) => n + (v !== 0 ? 1 : 0), 0) / dy.size;
    const filterSparse = () => heapConvFilterGradSparse(backend, info(x), info(dy), outputs.dw, outputs.scratch, shape);
    const listsScratch = backend.makeOutput([filterGradListsScratchWords(CO, dy.size)], "float32");
    const filterLists = () => heapConvFilterGradLists(backend, info(x), info(dy), outputs.dw, listsScratch, heapCountNonZero(backend, info(dy))!, shape);
    const filterDirect = () => heapConvFilterGrad(backend, info(x), info(dy), outputs.dw, shape);
    const filterComposed = () =>
      tf.tidy(() => {
        const grad = tf.conv2d(tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, "valid");
        tf.transpose(grad, [1, 2, 0, 3]).dataId;
      });
    const inputSparse = () => heapConvInputGradSparse(backend, info(dy), info(filter), outputs.dx, outputs.scratch, shape);
    const inputGemm = () =>
      tf.tidy(() => {
        const col = tf.matMul(tf.reshape(dy, [BATCH * oh * ow, CO]), tf.transpose(tf.reshape(filter, [taps, CO])));
        heapCol2im(backend, info(col), outputs.dx, shape);
      });
    // The paths training takes: a first layer's filter gradient (lists from 50 taps; below, the
    // direct kernel stays), a second layer's gradients (sparse).
    type Pair = [string, () => unknown, string, () => unknown];
    const pairs: Pair[] =
      layer.ci <= 4
        ? [["filter gradient, lists", filterLists, "direct dense (first layer)", filterDirect]]
        : [
            ["filter gradient, sparse", filterSparse, "composed conv (XNNPACK)", filterComposed],
            // A first layer's input gradient is never computed (the data needs none).
            ["input gradient, sparse", inputSparse, "GEMM (XNNPACK) + col2im", inputGemm],
          ];
    for (const [name, kernel, baseName, base] of pairs) report(layer.name, `${dyName} (${(100 * nonZero).toFixed(0)}% non-zero)`, name, kernel, baseName, base);
    backend.disposeData(listsScratch.dataId, true);
  }
  for (const t of Object.values(outputs)) backend.disposeData(t.dataId, true);
  tf.dispose([x, filter, z, pooled, dPooled, pooledDy, denseDy]);
}
console.log("");
console.log("Training takes the sparse kernels only where at most 3/4 of dy is not zero (a dense dy keeps the path in the 'replaces' column), and the lists only from 50 taps (so not on 28x28x1, where the direct kernel stays).");
