// Training workers on Node: worker_threads, one wasm instance per worker.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { WorkerAdapter, WorkerHandle } from "../../models/parallel.js";

export const nodeWorkers: WorkerAdapter = {
  spawn(): WorkerHandle {
    const worker = new Worker(new URL("./training-worker.js", import.meta.url));
    return {
      postMessage: (message, transfer) => worker.postMessage(message, transfer),
      onMessage: (handler) => void worker.on("message", handler),
      onError: (handler) => {
        worker.on("error", handler);
        worker.on("exit", (code) => {
          if (code !== 0) handler(new Error(`worker thread exited with code ${code}`));
        });
      },
      terminate: () => void worker.terminate(),
    };
  },
  defaultWorkers: () => availableParallelism(),
};
