// BatchMatMul for tfjs-backend-wasm with a transposed operand: the backend's own kernel sends
// those to a plain loop (a dense layer's gradients x^T * dy and dy * W^T, 20-30x slower than
// XNNPACK); transposing first with the wasm Transpose kernel keeps every case on the fast path.
import { getKernel, registerKernel, unregisterKernel, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";

interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

let original: KernelFunc | undefined;

const batchMatMul: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  if (!transposeA && !transposeB) return original!(args);
  const transpose = getKernel("Transpose", "wasm")!.kernelFunc;
  const swapLast = (x: TensorInfo) => {
    const rank = x.shape.length;
    const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
    return transpose({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
  };
  const a2 = transposeA ? swapLast(a) : a;
  const b2 = transposeB ? swapLast(b) : b;
  const out = original!({ inputs: { a: a2, b: b2 }, backend, attrs: { transposeA: false, transposeB: false } });
  const wasm = backend as unknown as WasmBackendLike;
  if (transposeA) wasm.disposeData(a2.dataId, true);
  if (transposeB) wasm.disposeData(b2.dataId, true);
  return out;
};

let registered = false;

export function registerWasmBatchMatMul(): void {
  if (registered) return;
  const existing = getKernel("BatchMatMul", "wasm");
  if (!existing || !getKernel("Transpose", "wasm")) throw new Error("tfjs-backend-wasm lacks BatchMatMul or Transpose, which the dense layers need");
  original = existing.kernelFunc;
  unregisterKernel("BatchMatMul", "wasm");
  registerKernel({ kernelName: "BatchMatMul", backendName: "wasm", kernelFunc: batchMatMul });
  registered = true;
}
