// The one place that instantiates the AssemblyScript kernels. The bytes are embedded (see
// scripts/build.mjs), so this touches no runtime API beyond WebAssembly and atob.
import { kernelsWasmBase64 } from "./wasm-bytes.generated.js";

export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  pcg32Seed(gen: number, stateLo: number, stateHi: number, seqLo: number, seqHi: number): void;
  pcg32FillUint32(gen: number, out: number, n: number): void;
  pcg32FillFloat64(gen: number, out: number, n: number): void;
  pcg32Shuffle(gen: number, items: number, n: number): void;
  pcg32FillNormal(gen: number, out: number, n: number): void;
  // Posterior kernels return the first row that is not a probability vector, or -1.
  topK(values: number, rows: number, classes: number, k: number, out: number, tolerance: number): number;
  maxPosterior(values: number, rows: number, classes: number, out: number, tolerance: number): number;
  entropy(values: number, rows: number, classes: number, out: number, tolerance: number): number;
  modifiedEntropy(values: number, labels: number, rows: number, classes: number, out: number, tolerance: number): number;
  crossEntropyLoss(values: number, labels: number, rows: number, classes: number, out: number, tolerance: number): number;
  correctness(values: number, labels: number, rows: number, classes: number, out: number, tolerance: number): number;
  sortWorkBytes(n: number): number;
  rocSweep(
    scores: number,
    scoresAreF64: number,
    members: number,
    n: number,
    work: number,
    thresholdsOut: number,
    tpOut: number,
    fpOut: number,
  ): number;
  percentile(values: number, valuesAreF64: number, n: number, work: number, q: number): number;
  confusionCounts(scores: number, scoresAreF64: number, members: number, n: number, threshold: number, out: number): void;
}

let exportsReady: KernelExports | undefined;
let loading: Promise<KernelExports> | undefined;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let compiling: Promise<WebAssembly.Module> | undefined;

function compileKernels(): Promise<WebAssembly.Module> {
  compiling ??= WebAssembly.compile(decodeBase64(kernelsWasmBase64));
  return compiling;
}

/**
 * A private instance of the kernels with its own memory, for state that must outlive a single
 * call (a model's weights and optimizer state); scratch() never touches it. The module is
 * compiled once and shared.
 */
export async function instantiateKernels(): Promise<WebAssembly.Instance> {
  return WebAssembly.instantiate(await compileKernels(), {});
}

/** Compiles and instantiates the kernels once; every later call returns the same instance. */
export function initKernels(): Promise<KernelExports> {
  if (exportsReady) return Promise.resolve(exportsReady);
  loading ??= compileKernels()
    .then((module) => WebAssembly.instantiate(module, {}))
    .then((instance) => {
      exportsReady = instance.exports as unknown as KernelExports;
      return exportsReady;
    });
  return loading;
}

/** The loaded kernels; a clear error if initKernels() has not finished yet. */
export function kernels(): KernelExports {
  if (!exportsReady) {
    throw new Error("mlleaks kernels are not loaded yet: call `await initKernels()` once before using them");
  }
  return exportsReady;
}

const ALIGN = 16;
const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

/**
 * Lays out regions of the given byte sizes one after another above the heap base, growing wasm
 * memory when needed, and returns their addresses. The arena is reused by every call: a region is
 * valid only until the next call to scratch(). Views on memory.buffer must be made after this
 * call, since growing memory detaches the old buffer.
 */
export function scratch(...byteSizes: number[]): number[] {
  const k = kernels();
  let next = (k.heapBase() + ALIGN - 1) & ~(ALIGN - 1);
  const addresses: number[] = [];
  for (const size of byteSizes) {
    addresses.push(next);
    next += Math.ceil(size / ALIGN) * ALIGN;
  }
  if (next > MAX_BYTES) {
    throw new RangeError(`mlleaks kernels: the input needs ${next} bytes of wasm memory, more than the 4 GiB a wasm32 instance can address`);
  }
  const have = k.memory.buffer.byteLength;
  if (next > have) k.memory.grow(Math.ceil((next - have) / PAGE));
  return addresses;
}
