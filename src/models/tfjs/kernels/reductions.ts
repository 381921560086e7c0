// Plain loops over the wasm heap for two kernels whose tfjs-backend-wasm versions are slow on the
// CNN's shapes:
// - Sum over the leading axes (a bias gradient: [batch, h, w, channels] -> [channels]); the
//   backend transposes the whole tensor first. Accumulates in float64, each column in row order.
// - MaxPoolGrad: routes each output gradient to the first maximum of its window in row-major
//   order, as tfjs-backend-cpu does (the wasm backend's own kernel breaks ties differently); the
//   CNN's 2x2 case runs assembly/cnn.ts on the backend's heap (SIMD, branch-free: 5-10x the loop).
// Sums over other axes go to the backend's own kernel.
import { backend_util, getKernel, registerKernel, unregisterKernel, util, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import { maxPoolGrad2x2 } from "../../../kernels/reference/cnn.js";
import { heapMaxPoolGrad2x2, type WasmHeapBackend } from "./heap.js";

interface WasmBackendLike extends WasmHeapBackend {
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

let originalSum: KernelFunc | undefined;

const sum: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const x = (inputs as { x: TensorInfo }).x;
  const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
  const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
  if (x.dtype !== "float32" || !leading) return originalSum!(args);
  const wasm = backend as unknown as WasmBackendLike;
  const outShape = x.shape.slice(axes.length);
  const cols = util.sizeFromShape(outShape);
  const rows = util.sizeFromShape(x.shape) / cols;
  const out = wasm.makeOutput(keepDims ? [...axes.map(() => 1), ...outShape] : outShape, "float32");
  wasm.typedArrayFromHeap(out).set(sumLeadingRows(wasm.typedArrayFromHeap(x), rows, cols));
  return out;
};

/**
 * Column sums of a rows x cols block in float64, each column's rows added in order. Four columns
 * a pass with their sums in locals (3x the row-by-row loop that stored every partial sum back).
 */
export function sumLeadingRows(xs: Float32Array, rows: number, cols: number): Float64Array {
  const acc = new Float64Array(cols);
  const end = rows * cols;
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = c; i < end; i += cols) {
      s0 += xs[i]!;
      s1 += xs[i + 1]!;
      s2 += xs[i + 2]!;
      s3 += xs[i + 3]!;
    }
    acc[c] = s0;
    acc[c + 1] = s1;
    acc[c + 2] = s2;
    acc[c + 3] = s3;
  }
  for (; c < cols; c++) {
    let s = 0;
    for (let i = c; i < end; i += cols) s += xs[i]!;
    acc[c] = s;
  }
  return acc;
}

const maxPoolGrad: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: "valid" | "same" | number;
    dimRoundingMode?: "floor" | "round" | "ceil";
  };
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const wasm = backend as unknown as WasmBackendLike;
  const out = wasm.makeOutput(input.shape, "float32");
  const dx = wasm.typedArrayFromHeap(out);
  const xs = wasm.typedArrayFromHeap(input);
  const dys = wasm.typedArrayFromHeap(dy);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, filterHeight: fh, filterWidth: fw } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && dh === 1 && dw === 1 && top === 0 && left === 0 && outHeight * 2 <= inHeight && outWidth * 2 <= inWidth) {
    const shape = { batch: batchSize, inHeight, inWidth, channels, outHeight, outWidth };
    if (!heapMaxPoolGrad2x2(wasm, input, dy, out, shape)) maxPoolGrad2x2(xs, dys, dx, shape);
    return out;
  }
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          let best = -1;
          let max = -Infinity;
          for (let i = 0; i < fh; i++) {
            const h = oh * sh - top + i * dh;
            if (h < 0 || h >= inHeight) continue;
            for (let j = 0; j < fw; j++) {
              const w = ow * sw - left + j * dw;
              if (w < 0 || w >= inWidth) continue;
              const at = ((b * inHeight + h) * inWidth + w) * channels + c;
              if (best < 0 || xs[at]! > max) {
                max = xs[at]!;
                best = at;
              }
            }
          }
          if (best >= 0) dx[best] += dys[dyBase + c]!;
        }
      }
    }
  }
  return out;
};

let registered = false;

export function registerWasmReductionKernels(): void {
  if (registered) return;
  const existingSum = getKernel("Sum", "wasm");
  if (!existingSum) throw new Error("tfjs-backend-wasm has no Sum kernel to fall back on");
  originalSum = existingSum.kernelFunc;
  for (const [name, kernelFunc] of [["Sum", sum], ["MaxPoolGrad", maxPoolGrad]] as const) {
    if (getKernel(name, "wasm")) unregisterKernel(name, "wasm");
    registerKernel({ kernelName: name, backendName: "wasm", kernelFunc });
  }
  registered = true;
}
