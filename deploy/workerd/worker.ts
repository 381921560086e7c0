// The worker's entry: the kernels arrive as a wasm module binding (workerd compiles nothing from
// bytes at run time); `npm run build:worker` bundles this into dist/worker.js next to dist/kernels.wasm.
import kernels from "./kernels.wasm";
import { createEdgeWorker } from "../../src/edge/worker.js";

export default createEdgeWorker(kernels);
