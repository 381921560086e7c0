// The one place that instantiates the AssemblyScript kernels. The bytes are embedded (see
// scripts/build.mjs), so this touches no runtime API beyond WebAssembly and atob. Runtimes that
// forbid compiling wasm from bytes (Cloudflare workerd, Vercel's edge) pass the module they were
// given as a binding instead: initKernels({ module }).
import { cnnHeapSharedWasmBase64, cnnHeapWasmBase64, kernelsWasmBase64 } from "./wasm-bytes.generated.js";

export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  pcg32Seed(gen: number, stateLo: number, stateHi: number, seqLo: number, seqHi: number): void;
  pcg32FillUint32(gen: number, out: number, n: number): void;
  pcg32FillFloat64(gen: number, out: number, n: number): void;
  pcg32Shuffle(gen: number, items: number, n: number): void;
  pcg32FillNormal(gen: number, out: number, n: number): void;
  // Posterior kernels return the first row that is not a probability vector, or -1.
  topK(values: number, rows: number, classes: number, k: number, out: number, work: number, tolerance: number): number;
  maxPosterior(values: number, rows: number, classes: number, out: number, tolerance: number): number;
  entropy(values: number, rows: number, classes: number, out: number, tolerance: number): number;
  modifiedEntropy(values: number, labels: number, rows: number, classes: number, out: number, tolerance: number): number;
  crossEntropyLoss(values: number, labels: number, rows: number, classes: number, out: number, tolerance: number): number;
  correctness(values: number, labels: number, rows: number, classes: number, out: number, tolerance: number): number;
  sumValues(values: number, n: number): number;
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
  aucVariance(tp: number, fp: number, groups: number, positives: number, negatives: number, out: number): void;
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
  compiling ??= WebAssembly.compile(decodeBase64(kernelsWasmBase64)).catch((error: unknown) => {
    compiling = undefined;
    throw new Error(
      `mlleaks kernels: this runtime refused to compile WebAssembly from bytes (${(error as Error).message}); ` +
        "give it the precompiled kernels instead: `await initKernels({ module })` with build/kernels.wasm as a wasm module binding",
    );
  });
  return compiling;
}

export interface KernelsSource {
  /**
   * The kernels already compiled (build/kernels.wasm), for runtimes that only take wasm as a
   * module binding. Without it the embedded bytes are compiled.
   */
  readonly module?: WebAssembly.Module;
}

/**
 * A private instance of the kernels with its own memory, for state that must outlive a single
 * call (a model's weights and optimizer state); scratch() never touches it. The module is
 * compiled once and shared.
 */
export async function instantiateKernels(): Promise<WebAssembly.Instance> {
  return WebAssembly.instantiate(await compileKernels(), {});
}

/**
 * The CNN training kernels (assembly/cnn.ts), a separate module with no memory of its own,
 * instantiated on `memory`: tfjs-backend-wasm's heap, so they read and write its tensors in place.
 * `shared`: the memory is a shared one (the backend's threaded build), imported as such.
 */
export async function instantiateCnnHeapKernels(memory: WebAssembly.Memory, shared: boolean): Promise<WebAssembly.Instance> {
  const bytes = decodeBase64(shared ? cnnHeapSharedWasmBase64 : cnnHeapWasmBase64);
  return WebAssembly.instantiate(await WebAssembly.compile(bytes), { env: { memory } });
}

/**
 * Compiles (or takes `source.module`) and instantiates the kernels once; every later call returns
 * the same instance. The module given first is the one every instance is made from.
 */
export function initKernels(source: KernelsSource = {}): Promise<KernelExports> {
  if (source.module !== undefined) {
    // By tag, not instanceof: a module binding may come from another realm (Edge Runtime's VM).
    const tag = Object.prototype.toString.call(source.module);
    if (tag !== "[object WebAssembly.Module]" || !WebAssembly.Module.exports(source.module).some((e) => e.name === "heapBase")) {
      return Promise.reject(
        new TypeError(`initKernels: module must be build/kernels.wasm as a WebAssembly.Module, got ${tag === "[object WebAssembly.Module]" ? "a module without the kernels' exports" : tag}`),
      );
    }
  }
  if (exportsReady) return Promise.resolve(exportsReady);
  if (source.module !== undefined) compiling ??= Promise.resolve(source.module);
  loading ??= compileKernels()
    .then((module) => WebAssembly.instantiate(module, {}))
    .then(
      (instance) => {
        exportsReady = instance.exports as unknown as KernelExports;
        return exportsReady;
      },
      (error: unknown) => {
        // Failed loads are not cached: a later call (with a module, say) tries again.
        loading = undefined;
        throw error;
      },
    );
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

/** Regions kept for callers (see reserve()); the scratch arena starts above the highest. */
const reservations = new Set<{ start: number; end: number }>();

function arenaBase(k: KernelExports): number {
  let base = (k.heapBase() + ALIGN - 1) & ~(ALIGN - 1);
  for (const r of reservations) base = Math.max(base, r.end);
  return base;
}

function ensureMemory(k: KernelExports, end: number): void {
  if (end > MAX_BYTES) {
    throw new RangeError(
      `mlleaks kernels: the input needs ${end} bytes of wasm memory, more than the 4 GiB a wasm32 instance can address`,
    );
  }
  const have = k.memory.buffer.byteLength;
  if (end <= have) return;
  try {
    k.memory.grow(Math.ceil((end - have) / PAGE));
  } catch (error) {
    throw new RangeError(
      `mlleaks kernels: could not grow wasm memory from ${mib(have)} to ${mib(end)} MiB (${(error as Error).message}); use smaller inputs`,
    );
  }
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(0);

/**
 * Lays out regions of the given byte sizes one after another above the heap base (and above any
 * reserved region), growing wasm memory when needed, and returns their addresses. The arena is
 * reused by every call: a region is valid only until the next call to scratch(). Views on
 * memory.buffer must be made after this call, since growing memory detaches the old buffer.
 */
export function scratch(...byteSizes: number[]): number[] {
  const k = kernels();
  let next = arenaBase(k);
  const addresses: number[] = [];
  for (const size of byteSizes) {
    addresses.push(next);
    next += Math.ceil(size / ALIGN) * ALIGN;
  }
  ensureMemory(k, next);
  return addresses;
}

export interface Reservation {
  /** Byte address in wasm memory. */
  readonly address: number;
  readonly byteLength: number;
  /** Gives the region back; its memory is reused once every region above it is released too. */
  release(): void;
}

/**
 * Keeps byteLength bytes of wasm memory for the caller until release(): kernels can then read data
 * there in place, with no copy. scratch() never lays out over a live reservation.
 */
export function reserve(byteLength: number): Reservation {
  const k = kernels();
  const start = arenaBase(k);
  const region = { start, end: start + Math.ceil(byteLength / ALIGN) * ALIGN };
  ensureMemory(k, region.end);
  reservations.add(region);
  return { address: start, byteLength, release: () => void reservations.delete(region) };
}

/** The address of `view` if it lies inside a live reservation (so kernels may read it in place). */
export function reservedAddress(view: ArrayBufferView): number | undefined {
  if (view.buffer !== kernels().memory.buffer) return undefined;
  for (const r of reservations) {
    if (view.byteOffset >= r.start && view.byteOffset + view.byteLength <= r.end) return view.byteOffset;
  }
  return undefined;
}
