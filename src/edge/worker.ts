// The edge check as a worker for runtimes that take wasm only as a module binding (Cloudflare
// workerd, Vercel's Edge Runtime): the caller hands over the precompiled kernels, and limits come
// from the deployment's text variables (wrangler.toml [vars], workerd text bindings).
import { initKernels } from "../kernels/index.js";
import { createLeakageHandler, type LeakageHandlerOptions } from "./handler.js";

/** The deployment's variables, all optional: whole numbers as text. */
export interface EdgeWorkerEnv {
  readonly MLLEAKS_MAX_BODY_BYTES?: string;
  readonly MLLEAKS_MAX_ROWS?: string;
  readonly MLLEAKS_MAX_CLASSES?: string;
}

const LIMIT_VARIABLES = {
  MLLEAKS_MAX_BODY_BYTES: "maxBodyBytes",
  MLLEAKS_MAX_ROWS: "maxRows",
  MLLEAKS_MAX_CLASSES: "maxClasses",
} as const satisfies Record<keyof EdgeWorkerEnv, keyof LeakageHandlerOptions>;
type NumericLimits = { -readonly [K in (typeof LIMIT_VARIABLES)[keyof EdgeWorkerEnv]]?: number };

/** The handler's limits from the deployment's variables; an error names a variable that is not a positive integer. */
export function limitsFromEnv(env: EdgeWorkerEnv = {}): LeakageHandlerOptions {
  const limits: NumericLimits = {};
  for (const [variable, option] of Object.entries(LIMIT_VARIABLES) as Array<[keyof EdgeWorkerEnv, keyof NumericLimits]>) {
    const text = env[variable];
    if (text === undefined) continue;
    const value = Number(text);
    if (!/^\s*\d+\s*$/.test(String(text)) || !Number.isSafeInteger(value) || value < 1) {
      throw new Error(`mlleaks edge worker: variable ${variable} is ${JSON.stringify(text)}: expected a positive whole number`);
    }
    limits[option] = value;
  }
  return limits;
}

export interface EdgeWorker {
  fetch(request: Request, env?: EdgeWorkerEnv): Promise<Response>;
}

/** A `{ fetch }` worker around the leakage handler, its kernels instantiated from `kernels`. */
export function createEdgeWorker(kernels: WebAssembly.Module): EdgeWorker {
  // The environment is fixed for an isolate's life: one handler, made on the first request.
  let handler: ((request: Request) => Promise<Response>) | undefined;
  return {
    async fetch(request, env) {
      if (handler === undefined) {
        let limits: LeakageHandlerOptions;
        try {
          limits = limitsFromEnv(env);
        } catch (error) {
          return Response.json({ error: (error as Error).message }, { status: 500 });
        }
        await initKernels({ module: kernels });
        handler = createLeakageHandler(limits);
      }
      return handler(request);
    },
  };
}
