// Entry point of a Node training worker (see workers.ts): serves training jobs over parentPort.
import { parentPort } from "node:worker_threads";
import "../../models/engines.js";
import { serveTrainingJobs } from "../../models/parallel.js";

if (!parentPort) throw new Error("training-worker.js runs inside a worker thread (start it through nodeWorkers)");
const port = parentPort;
serveTrainingJobs({
  postMessage: (message, transfer) => port.postMessage(message, transfer),
  onMessage: (handler) => void port.on("message", handler),
});
