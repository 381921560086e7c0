// tfjs on tfjs-backend-wasm, set up once per process (or worker), the same way in Node, Deno and
// browsers. Node and Deno find the wasm binaries beside the package; a browser page passes their
// URLs (wasmPaths) because bundlers move them.
import * as tf from "@tensorflow/tfjs-core";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerWasmBatchMatMul } from "./tfjs/kernels/batch_matmul.js";
import { registerWasmGradientKernels } from "./tfjs/kernels/conv2d_gradients.js";
import { attachCnnHeapKernels, type WasmHeapBackend } from "./tfjs/kernels/heap.js";
import { registerWasmIdentity } from "./tfjs/kernels/identity.js";
import { registerWasmReductionKernels } from "./tfjs/kernels/reductions.js";

export interface ModelBackendOptions {
  /** Where the tfjs-backend-wasm .wasm files are served from: a URL prefix ending in "/", or a map
   *  from file name ("tfjs-backend-wasm-simd.wasm", ...) to URL. Browsers only. */
  readonly wasmPaths?: string | Partial<Record<"tfjs-backend-wasm.wasm" | "tfjs-backend-wasm-simd.wasm" | "tfjs-backend-wasm-threaded-simd.wasm", string>>;
  /** wasm threads to ask for where the runtime supports them (tfjs caps it at half the cores). */
  readonly threads?: number;
}

export interface ModelBackendInfo {
  readonly backend: "wasm";
  readonly threads: number;
  readonly simd: boolean;
  readonly tfjsVersion: string;
}

let ready: Promise<ModelBackendInfo> | undefined;

/** Starts tfjs-backend-wasm and registers the project's kernels; an error if wasm cannot start. */
export function initModelBackend(options: ModelBackendOptions = {}): Promise<ModelBackendInfo> {
  ready ??= start(options).catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return ready;
}

async function start(options: ModelBackendOptions): Promise<ModelBackendInfo> {
  if (options.wasmPaths !== undefined) setWasmPaths(options.wasmPaths as never);
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new Error(`threads: expected a positive integer, got ${String(options.threads)}`);
    setThreadsCount(options.threads);
  }
  let started: boolean;
  try {
    started = await tf.setBackend("wasm");
  } catch (error) {
    throw new Error(`tfjs-backend-wasm failed to start: ${describe(error)}`);
  }
  // setBackend resolves false (and tfjs quietly stays on another backend) when the wasm binary
  // fails to load: that would train ~190x slower on the cpu backend, so it is an error.
  if (!started || tf.getBackend() !== "wasm") {
    throw new Error(
      "tfjs-backend-wasm failed to start (tf.setBackend('wasm') returned false)" +
        (options.wasmPaths === undefined ? "; in a browser, pass wasmPaths: the URLs of the tfjs-backend-wasm .wasm files" : `; check wasmPaths ${JSON.stringify(options.wasmPaths)}`),
    );
  }
  await attachCnnHeapKernels(tf.backend() as unknown as WasmHeapBackend);
  registerWasmGradientKernels();
  registerWasmBatchMatMul();
  registerWasmReductionKernels();
  registerWasmIdentity();
  return {
    backend: "wasm",
    threads: getThreadsCount(),
    simd: Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")),
    tfjsVersion: tf.version_core,
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String((error as { message: unknown }).message);
  return String(error);
}
