// The page's training worker (a module Web Worker, bundled as training-worker.js beside app.js): the
// browser adapter's worker, with tfjs-backend-wasm's binaries where the page's server publishes them.
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "../src/adapters/browser/training-worker.js";

setWasmPaths(new URL("wasm/", self.location.href).href);
