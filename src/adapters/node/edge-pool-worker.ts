// Entry point of an edge pool worker (see edge-pool.ts): answers each body it is sent as the
// handler would in place.
import { parentPort, workerData } from "node:worker_threads";
import { allowModelUrlPrefixes, answerLeakageBody, type LeakageHandlerOptions } from "../../edge/handler.js";
import type { EdgeWorkerSettings } from "./edge-pool.js";

if (!parentPort) throw new Error("edge-pool-worker.js runs inside a worker thread (start it through createEdgePool)");
const port = parentPort;
const settings = workerData as EdgeWorkerSettings;
const options: LeakageHandlerOptions = {
  ...(settings.maxBodyBytes !== undefined ? { maxBodyBytes: settings.maxBodyBytes } : {}),
  ...(settings.maxRows !== undefined ? { maxRows: settings.maxRows } : {}),
  ...(settings.allowModelUrlPrefixes ? { allowModelUrl: allowModelUrlPrefixes(settings.allowModelUrlPrefixes) } : {}),
};
port.on("message", (body: Uint8Array) => {
  void answerLeakageBody(body, options).then((answer) => port.postMessage(answer));
});
