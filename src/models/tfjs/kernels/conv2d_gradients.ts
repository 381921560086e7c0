// Project kernels for tfjs-backend-wasm's convolution gradients, composed from the wasm backend's
// own Conv2D, Transpose and Reverse kernels (XNNPACK underneath):
// - Conv2DBackpropFilter, which tfjs-backend-wasm 4.22 lacks (the CNN cannot train without it):
//   for stride 1, dW is a convolution of the input, channels moved to the batch axis, by the output
//   gradient, batch moved to the channel axis.
// - Conv2DBackpropInput, whose wasm version is a slow direct loop: for stride 1, dx is a "full"
//   convolution of dy by the filter flipped in space with its channel axes swapped.
// - For stride 1 without padding and few input channels (the first layer), dW is a direct SIMD
//   kernel (assembly/cnn.ts, on the backend's heap): the composition's convolution has one
//   output channel's worth of work per input channel, a shape XNNPACK runs badly.
// - For stride 1 without padding (the paper CNN's layers) and a dy mostly zeros (behind a 2x2
//   max-pool at most a quarter of dy is not zero, behind a ReLU too about an eighth), dW (beyond a
//   first layer) and dx skip dy's zeros (assembly/cnn.ts, on the backend's heap): one SIMD axpy
//   of a patch per non-zero, 4.7-7.6x the composition and GEMM paths on the paper CNN's second
//   layer (bench/cnn-kernels.bench.ts). A first layer with many taps (5x5x3) lists dy's
//   non-zeros per co and sums them in registers instead.
// - Otherwise, for stride 1 without padding, dx is one GEMM on the backend's BatchMatMul
//   (XNNPACK), dy * W^T, scattered back by col2im (assembly/cnn.ts, on the backend's heap): the
//   "full" convolution above spends over half its work on the zeros of its padding.
// Other strides or NCHW fall back to a plain loop (filter) or the backend's own kernel (input).
// And the forward Conv2D, stride 1 without padding, output channels in 16s (the paper CNN's
// layers), is a direct SIMD kernel (assembly/cnn.ts) with its sums in registers: 1.4-3.3x
// XNNPACK's convolution (bench/cnn-kernels.bench.ts), whose GEMM runs a first layer's 25- or
// 75-long inner dimension at a third of its speed.
import {
  backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import {
  cnnHeapKernelsAttached,
  heapCol2im,
  filterGradListsScratchWords,
  heapConv2DDirect,
  heapConvFilterGrad,
  heapConvFilterGradLists,
  heapConvFilterGradSparse,
  heapConvInputGradSparse,
  heapCountNonZero,
  type WasmHeapBackend,
} from "./heap.js";

/** The slice of BackendWasm these kernels use. */
interface WasmBackendLike extends WasmHeapBackend {
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

type Pad = "valid" | "same" | number | backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

function wasmKernel(name: string): KernelFunc {
  const config = getKernel(name, "wasm");
  if (!config) throw new Error(`tfjs-backend-wasm has no ${name} kernel; the models' convolution gradients are built on it`);
  return config.kernelFunc;
}

function run(name: string, backend: WasmBackendLike, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
  return wasmKernel(name)({ inputs, backend: backend as never, attrs }) as TensorInfo;
}

function convInfo(xShape: Shape4, filterShape: Shape4, attrs: NamedAttrMap): backend_util.Conv2DInfo {
  const { strides, pad, dimRoundingMode, dataFormat } = attrs as unknown as {
    strides: [number, number] | number;
    pad: Pad;
    dimRoundingMode?: "floor" | "round" | "ceil";
    dataFormat: "NHWC" | "NCHW";
  };
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  return backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode, false, format);
}

function composable(info: backend_util.Conv2DInfo): boolean {
  return info.dataFormat === "channelsLast" && info.strideHeight === 1 && info.strideWidth === 1;
}

/** Stride 1, NHWC, no padding: the shapes the heap kernels cover (the paper CNN's layers). */
function unpadded(info: backend_util.Conv2DInfo): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return composable(info) && top === 0 && bottom === 0 && left === 0 && right === 0 && info.dilationHeight === 1 && info.dilationWidth === 1;
}

/** Up to this many input channels (a first layer), dW runs the direct kernel; with more, the
 *  composed convolution (XNNPACK's GEMM) is faster. Measured in one run (batch 100, 5x5, 32
 *  filters): direct 2.0x the composition on 28x28x1, 1.5x on 32x32x3, 0.83x on 12x12x32. */
const DIRECT_FILTER_MAX_CHANNELS = 4;

/** Up to this share of dy not zero, the sparse kernels run: measured in one run (batch 100, the
 *  paper CNN's second layer), they are 0.76-1.06x the dense paths on a dense dy and 4.7-7.6x on
 *  a max-pool's and ReLU's (13% non-zero), so they break even somewhere above three quarters. */
const SPARSE_MAX_NON_ZERO_SHARE = 0.75;

/** dy's count of values not zero if it is sparse enough for the sparse kernels, else undefined
 *  (deterministic: the choice depends on dy's values only). */
function sparseNonZero(wasm: WasmBackendLike, dy: TensorInfo): number | undefined {
  const nonZero = heapCountNonZero(wasm, dy);
  const size = dy.shape.reduce((a, b) => a * b, 1);
  return nonZero !== undefined && nonZero <= SPARSE_MAX_NON_ZERO_SHARE * size ? nonZero : undefined;
}

/** From this many taps (kh * kw * ci) with rows of at most 16 floats, the filter gradient of a
 *  sparse dy sums per-co lists in registers: measured in one run (batch 100, 32 filters, dy
 *  13% non-zero), about 2x the direct kernel at 75 taps (5x5x3), 0.9x at 25 (5x5x1), where
 *  listing dy costs about what the sums save. */
const LISTS_MIN_TAPS = 50;

/** Runs a sparse heap kernel through a scratch of `words` 4-byte words into a fresh output of `shape`. */
function withScratch(wasm: WasmBackendLike, words: number, shape: number[], kernel: (out: TensorInfo, scratch: TensorInfo) => void): TensorInfo {
  const out = wasm.makeOutput(shape, "float32");
  const scratch = wasm.makeOutput([words], "float32");
  kernel(out, scratch);
  wasm.disposeData(scratch.dataId, true);
  return out;
}

const heapShape = (info: backend_util.Conv2DInfo) => ({ ...info, batch: info.batchSize, channels: info.inChannels });

/** A tensor's data viewed with another shape of the same size (no copy, no reference taken). */
function viewAs(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** col [M, KH*KW*CI] = dy [M, CO] * W^T [CO, KH*KW*CI] (M = B*OH*OW), scattered into dx by col2im. */
function backpropInputGemm(wasm: WasmBackendLike, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo, inputShape: Shape4): TensorInfo {
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const filterT = run("Transpose", wasm, { x: viewAs(filter, [taps, info.outChannels]) }, { perm: [1, 0] });
  const col = run("BatchMatMul", wasm, { a: viewAs(dy, [1, rows, info.outChannels]), b: viewAs(filterT, [1, info.outChannels, taps]) }, { transposeA: false, transposeB: false });
  const out = wasm.makeOutput(inputShape, "float32");
  heapCol2im(wasm, col, out, heapShape(info));
  for (const t of [filterT, col]) wasm.disposeData(t.dataId, true);
  return out;
}

/** dW[kh,kw,ci,co] = sum over b,oh,ow of x[b, oh+kh-top, ow+kw-left, ci] * dy[b, oh, ow, co]. */
const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const wasm = backend as unknown as WasmBackendLike;
  const filterShape = (attrs as { filterShape: Shape4 }).filterShape;
  const info = convInfo(x.shape as Shape4, filterShape, attrs!);
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const nonZero = unpadded(info) ? sparseNonZero(wasm, dy) : undefined;
  if (nonZero !== undefined && info.filterWidth * info.inChannels <= 16 && taps >= LISTS_MIN_TAPS) {
    return withScratch(wasm, filterGradListsScratchWords(info.outChannels, nonZero), filterShape, (out, scratch) => heapConvFilterGradLists(wasm, x, dy, out, scratch, nonZero, heapShape(info)));
  }
  if (unpadded(info) && info.inChannels <= DIRECT_FILTER_MAX_CHANNELS && info.outChannels % 4 === 0 && cnnHeapKernelsAttached()) {
    const out = wasm.makeOutput(filterShape, "float32");
    heapConvFilterGrad(wasm, x, dy, out, heapShape(info));
    return out;
  }
  if (nonZero !== undefined) return withScratch(wasm, info.outChannels * taps, filterShape, (out, scratch) => heapConvFilterGradSparse(wasm, x, dy, out, scratch, heapShape(info)));
  if (!composable(info)) return backpropFilterLoop(wasm, x, dy, info);
  const { top, bottom, left, right } = info.padInfo;
  const xT = run("Transpose", wasm, { x }, { perm: [3, 1, 2, 0] }); // [ci, H, W, B]
  const dyT = run("Transpose", wasm, { x: dy }, { perm: [1, 2, 0, 3] }); // [OH, OW, B, co]
  const grad = run("Conv2D", wasm, { x: xT, filter: dyT }, {
    strides: 1,
    dilations: 1,
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: "NHWC",
  }); // [ci, KH, KW, co]
  const out = run("Transpose", wasm, { x: grad }, { perm: [1, 2, 0, 3] });
  for (const t of [xT, dyT, grad]) wasm.disposeData(t.dataId, true);
  return out;
};

/** Any stride or layout: the textbook sum, for shapes the composition does not cover. */
function backpropFilterLoop(wasm: WasmBackendLike, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const xv = wasm.readSync(x.dataId) as Float32Array;
  const dyv = wasm.readSync(dy.dataId) as Float32Array;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const last = info.dataFormat === "channelsLast";
  const xAt = (b: number, h: number, w: number, c: number) =>
    last ? ((b * inHeight + h) * inWidth + w) * inChannels + c : ((b * inChannels + c) * inHeight + h) * inWidth + w;
  const dyAt = (b: number, h: number, w: number, c: number) =>
    last ? ((b * outHeight + h) * outWidth + w) * outChannels + c : ((b * outChannels + c) * outHeight + h) * outWidth + w;
  const out = wasm.makeOutput([filterHeight, filterWidth, inChannels, outChannels], "float32");
  const dw = wasm.typedArrayFromHeap(out);
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let ci = 0; ci < inChannels; ci++) {
        for (let co = 0; co < outChannels; co++) {
          let sum = 0;
          for (let b = 0; b < batchSize; b++) {
            for (let oh = 0; oh < outHeight; oh++) {
              const h = oh * info.strideHeight + kh - info.padInfo.top;
              if (h < 0 || h >= inHeight) continue;
              for (let ow = 0; ow < outWidth; ow++) {
                const w = ow * info.strideWidth + kw - info.padInfo.left;
                if (w < 0 || w >= inWidth) continue;
                sum += xv[xAt(b, h, w, ci)]! * dyv[dyAt(b, oh, ow, co)]!;
              }
            }
          }
          dw[((kh * filterWidth + kw) * inChannels + ci) * outChannels + co] = sum;
        }
      }
    }
  }
  return out;
}

/** The wasm backend's own Conv2DBackpropInput, kept for the shapes the composition does not cover. */
let originalBackpropInput: KernelFunc | undefined;

/** dx[b,i,j,ci] = sum over kh,kw,co of dy[b, i+top-kh, j+left-kw, co] * W[kh,kw,ci,co]. */
const conv2DBackpropInput: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const wasm = backend as unknown as WasmBackendLike;
  const inputShape = (attrs as { inputShape: Shape4 }).inputShape;
  const info = convInfo(inputShape, filter.shape as Shape4, attrs!);
  if (unpadded(info) && sparseNonZero(wasm, dy) !== undefined) {
    const taps = info.filterHeight * info.filterWidth * info.inChannels;
    return withScratch(wasm, info.outChannels * taps, inputShape, (out, scratch) => heapConvInputGradSparse(wasm, dy, filter, out, scratch, heapShape(info)));
  }
  if (unpadded(info) && cnnHeapKernelsAttached()) return backpropInputGemm(wasm, dy, filter, info, inputShape);
  const { top, bottom, left, right } = info.padInfo;
  const [kh, kw] = [info.filterHeight, info.filterWidth];
  const pads = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right];
  if (!composable(info) || pads.some((p) => p < 0)) return originalBackpropInput!(args);
  const flipped = run("Reverse", wasm, { x: filter }, { dims: [0, 1] });
  const swapped = run("Transpose", wasm, { x: flipped }, { perm: [0, 1, 3, 2] }); // [KH, KW, co, ci]
  const out = run("Conv2D", wasm, { x: dy, filter: swapped }, {
    strides: 1,
    dilations: 1,
    pad: [[0, 0], [pads[0]!, pads[1]!], [pads[2]!, pads[3]!], [0, 0]],
    dataFormat: "NHWC",
  });
  for (const t of [flipped, swapped]) wasm.disposeData(t.dataId, true);
  return out;
};

/** The wasm backend's own Conv2D (XNNPACK), for the shapes the direct kernel does not cover. */
let originalConv2D: KernelFunc | undefined;

/** out[b,oh,ow,co] = sum over kh,kw,ci of x[b, oh+kh, ow+kw, ci] * W[kh,kw,ci,co]. */
const conv2D: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
  const dilations = (attrs as { dilations?: number | [number, number] }).dilations ?? 1;
  const undilated = typeof dilations === "number" ? dilations === 1 : dilations.every((d) => d === 1);
  const info = convInfo(x.shape as Shape4, filter.shape as Shape4, attrs!);
  if (!undilated || !unpadded(info) || info.outChannels % 16 !== 0 || !cnnHeapKernelsAttached()) return originalConv2D!(args);
  const wasm = backend as unknown as WasmBackendLike;
  const out = wasm.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], "float32");
  heapConv2DDirect(wasm, x, filter, out, heapShape(info));
  return out;
};

let registered = false;

/** Registers the project's convolution kernels (forward and gradients) into tfjs for the wasm backend (idempotent). */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  const existing = getKernel("Conv2DBackpropInput", "wasm");
  if (!existing) throw new Error("tfjs-backend-wasm has no Conv2DBackpropInput kernel to fall back on");
  const forward = getKernel("Conv2D", "wasm");
  if (!forward) throw new Error("tfjs-backend-wasm has no Conv2D kernel; the models' convolutions run on it");
  originalBackpropInput = existing.kernelFunc;
  originalConv2D = forward.kernelFunc;
  unregisterKernel("Conv2DBackpropInput", "wasm");
  unregisterKernel("Conv2D", "wasm");
  const configs: KernelConfig[] = [
    { kernelName: "Conv2D", backendName: "wasm", kernelFunc: conv2D },
    { kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: conv2DBackpropFilter },
    { kernelName: "Conv2DBackpropInput", backendName: "wasm", kernelFunc: conv2DBackpropInput },
  ];
  if (getKernel("Conv2DBackpropFilter", "wasm")) unregisterKernel("Conv2DBackpropFilter", "wasm");
  for (const config of configs) registerKernel(config);
  registered = true;
}
