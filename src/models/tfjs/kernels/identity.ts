// Identity for tfjs-backend-wasm without a copy: the output shares the input's data (its reference
// count goes up), as tfjs-backend-cpu's Identity and the wasm backend's own Reshape do. tfjs runs
// Identity for every tensor a gradient saves (Engine.clone): the CNN's conv and pooling outputs,
// 7 MB a batch copied for nothing, since no kernel writes into its inputs.
import { getKernel, registerKernel, unregisterKernel, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";

interface WasmBackendLike {
  incRef(dataId: object): void;
}

let original: KernelFunc | undefined;

const identity: KernelFunc = (args) => {
  const x = (args.inputs as { x: TensorInfo }).x;
  if (x.dtype === "string") return original!(args);
  (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

let registered = false;

export function registerWasmIdentity(): void {
  if (registered) return;
  const existing = getKernel("Identity", "wasm");
  if (!existing) throw new Error("tfjs-backend-wasm has no Identity kernel to wrap");
  original = existing.kernelFunc;
  unregisterKernel("Identity", "wasm");
  registerKernel({ kernelName: "Identity", backendName: "wasm", kernelFunc: identity });
  registered = true;
}
