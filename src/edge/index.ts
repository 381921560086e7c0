// The edge leakage check. `export default { fetch }` is the shape `deno serve` and worker runtimes
// take as is; createLeakageHandler() sets other limits.
import { createLeakageHandler } from "./handler.js";

export { createLeakageHandler, answerLeakageBody, ServerBusyError, parseLeakageRequest, parseModelRequest, allowModelUrlPrefixes, RequestError, DEFAULT_LIMITS, USAGE } from "./handler.js";
export type { LeakageAnswer, LeakageHandlerOptions, LeakageRequest, ModelLeakageRequest } from "./handler.js";
export { createEdgeWorker, limitsFromEnv } from "./worker.js";
export type { EdgeWorker, EdgeWorkerEnv } from "./worker.js";

export const fetch: (request: Request) => Promise<Response> = createLeakageHandler();
export default { fetch };
