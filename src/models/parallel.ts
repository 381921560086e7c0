// Training several models at once (Shokri's shadow models, LiRA's dozens), one job per worker at a
// time, each worker with its own wasm instance. Jobs and results are plain data, so a job gives the
// same bits in a worker as in this thread. This core touches no runtime API: a WorkerAdapter from
// src/adapters/{node,deno,browser}/workers.ts starts the workers, and each worker runs
// serveTrainingJobs() over its message port.
import type { LabeledData, Posteriors } from "../types.js";
import { initKernels } from "../kernels/wasm.js";
import { createClassifier } from "./create.js";
import type { EpochInfo, ModelKind, ModelSpec, TrainOptions, TrainSummary } from "./types.js";

/** One model to train: everything is plain data that survives structured cloning. */
export interface TrainingJob {
  readonly kind: ModelKind;
  readonly spec: ModelSpec;
  readonly data: LabeledData;
  readonly options: Omit<TrainOptions, "onEpoch" | "signal">;
  /** Records to run through the trained model (e.g. a shadow's training and held-out sets). */
  readonly predict?: readonly { readonly features: Float32Array; readonly rows: number }[];
}

export interface TrainingResult {
  /** Trainable weights, layer by layer, kernel then bias (Classifier.weights()). */
  readonly weights: Float32Array[];
  readonly weightsSha256: string;
  readonly summary: TrainSummary;
  /** One entry per job.predict entry, in order. */
  readonly posteriors: Posteriors[];
}

/** Trains one job in this thread: what every worker runs, and the sequential baseline. */
export async function runTrainingJob(
  job: TrainingJob,
  hooks: { onEpoch?: (info: EpochInfo) => void; signal?: AbortSignal } = {},
): Promise<TrainingResult> {
  // A fresh worker has not loaded the kernels yet (seeded initialisers and batch orders use them).
  await initKernels();
  const model = await createClassifier(job.kind, job.spec);
  try {
    const summary = await model.fit(job.data, { ...job.options, ...hooks });
    const posteriors: Posteriors[] = [];
    for (const { features, rows } of job.predict ?? []) posteriors.push(await model.predict(features, rows));
    return { weights: model.weights(), weightsSha256: await model.weightsSha256(), summary, posteriors };
  } finally {
    model.dispose();
  }
}

/** The two ends of a worker's message channel, as each runtime's adapter wraps them. */
export interface MessagePortLike {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (message: unknown) => void): void;
}

export interface WorkerHandle extends MessagePortLike {
  /** A worker that fails to start or throws outside a job. */
  onError(handler: (error: Error) => void): void;
  terminate(): void;
}

export interface WorkerAdapter {
  /** Starts one worker that runs serveTrainingJobs(). */
  spawn(): WorkerHandle;
  /** The default number of workers: the number of cores. */
  defaultWorkers(): number;
}

type ToWorker = { type: "job"; id: number; job: TrainingJob };
type FromWorker =
  | { type: "epoch"; id: number; info: EpochInfo }
  | { type: "result"; id: number; result: TrainingResult }
  | { type: "error"; id: number; message: string };

function transferables(result: TrainingResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const w of result.weights) buffers.add(w.buffer as ArrayBuffer);
  for (const p of result.posteriors) buffers.add(p.values.buffer as ArrayBuffer);
  return [...buffers];
}

/** The worker side: runs each job it is sent and posts back its epochs and its result. */
export function serveTrainingJobs(port: MessagePortLike): void {
  let queue = Promise.resolve();
  port.onMessage((message) => {
    const { id, job } = message as ToWorker;
    // One job at a time per worker: a worker is one wasm instance's worth of cores.
    queue = queue.then(async () => {
      try {
        const result = await runTrainingJob(job, { onEpoch: (info) => port.postMessage({ type: "epoch", id, info } satisfies FromWorker) });
        port.postMessage({ type: "result", id, result } satisfies FromWorker, transferables(result));
      } catch (error) {
        port.postMessage({ type: "error", id, message: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
      }
    });
  });
}

export interface ParallelOptions {
  readonly adapter: WorkerAdapter;
  /** How many workers (default: adapter.defaultWorkers(), the number of cores); never more than jobs. */
  readonly workers?: number;
  /** Per-epoch progress of job `index`. */
  readonly onEpoch?: (index: number, info: EpochInfo) => void;
  /** Called as each job finishes (in completion order). */
  readonly onResult?: (index: number, result: TrainingResult) => void;
  /** Aborting terminates the workers; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * Trains every job across a pool of workers; results come back in job order and are bit-identical
 * to runTrainingJob() on each job in turn (each job's randomness comes from its own seed).
 */
export async function trainInParallel(jobs: readonly TrainingJob[], options: ParallelOptions): Promise<TrainingResult[]> {
  const { adapter, onEpoch, onResult, signal } = options;
  const requested = options.workers ?? adapter.defaultWorkers();
  if (!Number.isSafeInteger(requested) || requested < 1) throw new RangeError(`workers: expected a positive integer, got ${String(requested)}`);
  signal?.throwIfAborted();
  if (jobs.length === 0) return [];
  const count = Math.min(requested, jobs.length);
  const results: TrainingResult[] = new Array(jobs.length);
  const workers: WorkerHandle[] = [];
  let next = 0;
  let finished = 0;

  try {
    return await new Promise<TrainingResult[]>((resolve, reject) => {
      const fail = (error: unknown) => reject(error);
      const onAbort = () => fail(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      const dispatch = (worker: WorkerHandle) => {
        if (next >= jobs.length) return;
        const id = next++;
        worker.postMessage({ type: "job", id, job: jobs[id]! } satisfies ToWorker);
      };
      for (let w = 0; w < count; w++) {
        let worker: WorkerHandle;
        try {
          worker = adapter.spawn();
        } catch (error) {
          fail(new Error(`workers: could not start worker ${w + 1} of ${count}: ${error instanceof Error ? error.message : String(error)}`));
          return;
        }
        workers.push(worker);
        worker.onError((error) => fail(new Error(`workers: worker ${w + 1} failed: ${error.message}`)));
        worker.onMessage((raw) => {
          const message = raw as FromWorker;
          if (message.type === "epoch") {
            onEpoch?.(message.id, message.info);
          } else if (message.type === "error") {
            const job = jobs[message.id]!;
            fail(new Error(`job ${message.id} (${job.kind}, seed ${job.options.seed}): ${message.message}`));
          } else {
            results[message.id] = message.result;
            onResult?.(message.id, message.result);
            finished++;
            if (finished === jobs.length) {
              signal?.removeEventListener("abort", onAbort);
              resolve(results);
            } else {
              dispatch(worker);
            }
          }
        });
        dispatch(worker);
      }
    });
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

/** The same jobs one after another in this thread: the reference the parallel path must equal. */
export async function trainSequentially(
  jobs: readonly TrainingJob[],
  options: Pick<ParallelOptions, "onEpoch" | "onResult" | "signal"> = {},
): Promise<TrainingResult[]> {
  const results: TrainingResult[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const result = await runTrainingJob(jobs[i]!, { onEpoch: (info) => options.onEpoch?.(i, info), signal: options.signal });
    results.push(result);
    options.onResult?.(i, result);
  }
  return results;
}
