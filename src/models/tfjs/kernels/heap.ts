// The project's CNN kernels (assembly/cnn.ts) instantiated on tfjs-backend-wasm's own memory, so
// the tfjs kernels in this folder run them on tensors in place: no copies in or out. The
// backend's threaded build has a shared memory, which the kernels' shared-memory build imports.
// Should the memory not be reachable, attach() reports false and the tfjs kernels keep their
// other paths (other bits: the pinned weight hashes assume the kernels attached).
import { instantiateCnnHeapKernels } from "../../../kernels/wasm.js";
import type { ConvShape, PoolShape } from "../../../kernels/reference/cnn.js";

interface CnnHeapExports {
  cnnMaxPoolGrad2x2(x: number, dy: number, dx: number, batch: number, inHeight: number, inWidth: number, channels: number, outHeight: number, outWidth: number): void;
  cnnConvFilterGrad(x: number, dy: number, dw: number, batch: number, inHeight: number, inWidth: number, channels: number, outHeight: number, outWidth: number, filterHeight: number, filterWidth: number, outChannels: number): void;
  cnnCol2im(col: number, dx: number, batch: number, inHeight: number, inWidth: number, channels: number, outHeight: number, outWidth: number, filterHeight: number, filterWidth: number): void;
  cnnConvFilterGradSparse(x: number, dy: number, dw: number, scratch: number, batch: number, inHeight: number, inWidth: number, channels: number, outHeight: number, outWidth: number, filterHeight: number, filterWidth: number, outChannels: number): void;
  cnnCountNonZero(p: number, n: number): number;
  cnnConv2DDirect(x: number, w: number, out: number, batch: number, inHeight: number, inWidth: number, channels: number, outHeight: number, outWidth: number, filterHeight: number, filterWidth: number, outChannels: number): void;
  cnnConvFilterGradLists(x: number, dy: number, dw: number, scratch: number, batch: number, inHeight: number, inWidth: number, channels: number, outHeight: number, outWidth: number, filterHeight: number, filterWidth: number, outChannels: number, nonZero: number): void;
  cnnConvInputGradSparse(dy: number, w: number, dx: number, scratch: number, batch: number, inHeight: number, inWidth: number, channels: number, outHeight: number, outWidth: number, filterHeight: number, filterWidth: number, outChannels: number): void;
}

/** The slice of BackendWasm the heap kernels use. */
export interface WasmHeapBackend {
  /** The backend's emscripten module: its memory is wasmMemory in the threaded build (which
   *  creates it), the module's exported memory otherwise. */
  readonly wasm: { readonly wasmMemory?: unknown; readonly asm?: { readonly memory?: unknown } };
  typedArrayFromHeap(info: { dataId: object; shape: number[]; dtype: string }): { byteOffset: number };
}

let attached: CnnHeapExports | undefined;

/** Instantiates the kernels on the backend's memory once; false if that memory cannot be imported. */
export async function attachCnnHeapKernels(backend: WasmHeapBackend): Promise<boolean> {
  if (attached) return true;
  const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return false;
  const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
  attached = (await instantiateCnnHeapKernels(memory, shared)).exports as unknown as CnnHeapExports;
  return true;
}

type Tensor = { dataId: object; shape: number[]; dtype: string };
const address = (backend: WasmHeapBackend, t: Tensor) => backend.typedArrayFromHeap(t).byteOffset;

/** MaxPoolGrad, 2x2 windows, stride 2, no padding, into dx (allocated); false if not attached. */
export function heapMaxPoolGrad2x2(backend: WasmHeapBackend, x: Tensor, dy: Tensor, dx: Tensor, s: PoolShape): boolean {
  if (!attached) return false;
  attached.cnnMaxPoolGrad2x2(address(backend, x), address(backend, dy), address(backend, dx), s.batch, s.inHeight, s.inWidth, s.channels, s.outHeight, s.outWidth);
  return true;
}

/** col2im (stride 1, no padding) from col into dx (allocated); false if not attached. */
export function heapCol2im(backend: WasmHeapBackend, col: Tensor, dx: Tensor, s: ConvShape): boolean {
  if (!attached) return false;
  attached.cnnCol2im(address(backend, col), address(backend, dx), s.batch, s.inHeight, s.inWidth, s.channels, s.outHeight, s.outWidth, s.filterHeight, s.filterWidth);
  return true;
}

/** The filter gradient (stride 1, no padding, outChannels a multiple of 4) into dw (allocated);
 *  false if not attached. */
export function heapConvFilterGrad(backend: WasmHeapBackend, x: Tensor, dy: Tensor, dw: Tensor, s: ConvShape & { readonly outChannels: number }): boolean {
  if (!attached) return false;
  attached.cnnConvFilterGrad(address(backend, x), address(backend, dy), address(backend, dw), s.batch, s.inHeight, s.inWidth, s.channels, s.outHeight, s.outWidth, s.filterHeight, s.filterWidth, s.outChannels);
  return true;
}

/** The filter gradient (stride 1, no padding) skipping dy's zeros, into dw (allocated), through
 *  scratch (outChannels * filterHeight * filterWidth * channels floats); false if not attached. */
export function heapConvFilterGradSparse(backend: WasmHeapBackend, x: Tensor, dy: Tensor, dw: Tensor, scratch: Tensor, s: ConvShape & { readonly outChannels: number }): boolean {
  if (!attached) return false;
  attached.cnnConvFilterGradSparse(address(backend, x), address(backend, dy), address(backend, dw), address(backend, scratch), s.batch, s.inHeight, s.inWidth, s.channels, s.outHeight, s.outWidth, s.filterHeight, s.filterWidth, s.outChannels);
  return true;
}

/** The words of scratch cnnConvFilterGradLists needs for a dy with `nonZero` values not zero. */
export function filterGradListsScratchWords(outChannels: number, nonZero: number): number {
  return outChannels + 2 * (nonZero + outChannels) + 16 + 256; // + FILL_BLOCK in assembly/cnn.ts
}

/** The filter gradient (stride 1, no padding, filterWidth * channels <= 16) skipping dy's zeros
 *  with the sums in registers, into dw (allocated), through scratch (filterGradListsScratchWords);
 *  nonZero must be heapCountNonZero(dy). False if not attached. */
export function heapConvFilterGradLists(backend: WasmHeapBackend, x: Tensor, dy: Tensor, dw: Tensor, scratch: Tensor, nonZero: number, s: ConvShape & { readonly outChannels: number }): boolean {
  if (!attached) return false;
  attached.cnnConvFilterGradLists(address(backend, x), address(backend, dy), address(backend, dw), address(backend, scratch), s.batch, s.inHeight, s.inWidth, s.channels, s.outHeight, s.outWidth, s.filterHeight, s.filterWidth, s.outChannels, nonZero);
  return true;
}

/** The input gradient (stride 1, no padding) skipping dy's zeros, into dx (allocated), through
 *  scratch (outChannels * filterHeight * filterWidth * channels floats); false if not attached. */
export function heapConvInputGradSparse(backend: WasmHeapBackend, dy: Tensor, w: Tensor, dx: Tensor, scratch: Tensor, s: ConvShape & { readonly outChannels: number }): boolean {
  if (!attached) return false;
  attached.cnnConvInputGradSparse(address(backend, dy), address(backend, w), address(backend, dx), address(backend, scratch), s.batch, s.inHeight, s.inWidth, s.channels, s.outHeight, s.outWidth, s.filterHeight, s.filterWidth, s.outChannels);
  return true;
}

/** How many of t's values are not zero (+0 and -0 are zero; NaN is not); undefined if not attached. */
export function heapCountNonZero(backend: WasmHeapBackend, t: Tensor): number | undefined {
  if (!attached) return undefined;
  return attached.cnnCountNonZero(address(backend, t), t.shape.reduce((a, b) => a * b, 1));
}

/** The forward convolution (stride 1, no padding, outChannels a multiple of 16) into out
 *  (allocated); false if not attached. */
export function heapConv2DDirect(backend: WasmHeapBackend, x: Tensor, w: Tensor, out: Tensor, s: ConvShape & { readonly outChannels: number }): boolean {
  if (!attached) return false;
  attached.cnnConv2DDirect(address(backend, x), address(backend, w), address(backend, out), s.batch, s.inHeight, s.inWidth, s.channels, s.outHeight, s.outWidth, s.filterHeight, s.filterWidth, s.outChannels);
  return true;
}

/** Whether the kernels run on this backend's heap (the gradient kernels pick their paths by it). */
export function cnnHeapKernelsAttached(): boolean {
  return attached !== undefined;
}
