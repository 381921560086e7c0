// Training workers on the web platform (browsers, and Deno, which has the same Worker API): module
// Web Workers, one wasm instance per worker. The worker script is training-worker.js beside this
// module; a bundler must emit it as its own entry point.
import type { WorkerAdapter, WorkerHandle } from "../../models/parallel.js";

export function webWorkers(scriptUrl: URL = new URL("./training-worker.js", import.meta.url)): WorkerAdapter {
  return {
    spawn(): WorkerHandle {
      const worker = new Worker(scriptUrl, { type: "module" });
      return {
        postMessage: (message, transfer = []) => worker.postMessage(message, transfer),
        onMessage: (handler) => worker.addEventListener("message", (event) => handler(event.data)),
        onError: (handler) => {
          worker.addEventListener("error", (event) => {
            event.preventDefault();
            handler(new Error(event.message || `could not run ${scriptUrl.href}`));
          });
          worker.addEventListener("messageerror", () => handler(new Error("a message from the worker could not be decoded")));
        },
        terminate: () => worker.terminate(),
      };
    },
    defaultWorkers: () => Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1),
  };
}

export const browserWorkers: WorkerAdapter = webWorkers();
