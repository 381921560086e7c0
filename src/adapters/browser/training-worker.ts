// Entry point of a Web Worker training worker (browsers and Deno; see workers.ts).
import "../../models/engines.js";
import { serveTrainingJobs } from "../../models/parallel.js";

const scope = globalThis as unknown as {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
};
serveTrainingJobs({
  postMessage: (message, transfer = []) => scope.postMessage(message, transfer),
  onMessage: (handler) => scope.addEventListener("message", (event) => handler(event.data)),
});
