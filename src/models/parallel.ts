// Training several models at once (Shokri's shadow models, LiRA's dozens), one job per worker at a
// time, each worker with its own wasm instance. Jobs and results are plain data, so a job gives the
// same bits in a worker as in this thread. This core touches no runtime API: a WorkerAdapter from
// src/adapters/{node,deno,browser}/workers.ts starts the workers, and each worker runs
// serveTrainingJobs() over its message port.
import type { LabeledData, Posteriors } from "../types.js";
import { initKernels } from "../kernels/wasm.js";
import { architecture, type LayerSpec } from "./architectures.js";
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

/**
 * A job's training work in multiply-adds, roughly: each record's forward pass every epoch (its
 * backward pass is about twice that, whatever the model). The predictions after it (one forward
 * pass a record, once) are left out, so that models trained alike tie and keep the order given. A
 * pool only compares these with each other, to start the longest first.
 */
export function estimatedCost(job: TrainingJob): number {
  const { inputShape, numClasses } = job.spec;
  const perRecord = job.kind === "layers" ? inputShape.reduce((a, b) => a * b, 1) * numClasses : forwardMultiplyAdds(architecture(job.kind, inputShape, numClasses), inputShape);
  // DP-SGD on tfjs adds a batch of one per record for its per-example gradient norms.
  const passes = job.options.dpSgd && job.spec.engine === "tfjs" ? 2 : 1;
  return perRecord * passes * job.data.labels.length * (job.options.epochs ?? 1);
}

function forwardMultiplyAdds(layers: readonly LayerSpec[], inputShape: readonly number[]): number {
  let [h, w, c] = inputShape.length === 3 ? (inputShape as [number, number, number]) : [1, 1, inputShape.reduce((a, b) => a * b, 1)];
  let total = 0;
  for (const layer of layers) {
    if (layer.type === "conv") {
      h -= layer.kernelSize - 1;
      w -= layer.kernelSize - 1;
      total += h * w * layer.kernelSize * layer.kernelSize * c * layer.filters;
      c = layer.filters;
    } else if (layer.type === "maxpool") {
      h = Math.floor(h / layer.size);
      w = Math.floor(w / layer.size);
    } else if (layer.type === "dense") {
      total += h * w * c * layer.units;
      [h, w, c] = [1, 1, layer.units];
    }
  }
  return total;
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

type ToWorker = { type: "job"; id: number; job: TrainingJob } | { type: "warm" };
type FromWorker =
  | { type: "ready" }
  | { type: "epoch"; id: number; info: EpochInfo }
  | { type: "result"; id: number; result: TrainingResult }
  | { type: "error"; id: number; message: string };

const buffersOf = (arrays: readonly ArrayBufferView[]): ArrayBuffer[] => [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];

function transferables(result: TrainingResult): ArrayBuffer[] {
  return buffersOf([...result.weights, ...result.posteriors.map((p) => p.values)]);
}

/** The worker side: runs each job it is sent and posts back its epochs and its result. */
export function serveTrainingJobs(port: MessagePortLike): void {
  let queue = Promise.resolve();
  port.onMessage((message) => {
    if ((message as ToWorker).type === "warm") {
      queue = queue.then(async () => {
        await initKernels();
        port.postMessage({ type: "ready" } satisfies FromWorker);
      });
      return;
    }
    const { id, job } = message as Extract<ToWorker, { type: "job" }>;
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

export interface BatchOptions {
  /** Per-epoch progress of job `index` (its index in the jobs passed to train()). */
  readonly onEpoch?: (index: number, info: EpochInfo) => void;
  /** Called as each job finishes (in completion order). */
  readonly onResult?: (index: number, result: TrainingResult) => void;
  /** The jobs' arrays are the batch's own: moved to the workers (left detached here), not copied. */
  readonly transfer?: boolean;
  /** Aborting stops the batch: queued jobs are dropped, workers running its jobs are terminated
   *  (the pool starts fresh ones when needed), and the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface ParallelOptions extends BatchOptions {
  readonly adapter: WorkerAdapter;
  /** How many workers (default: adapter.defaultWorkers(), the number of cores); never more than jobs. */
  readonly workers?: number;
}

interface Batch extends BatchOptions {
  readonly jobs: readonly TrainingJob[];
  readonly results: TrainingResult[];
  remaining: number;
  settled: boolean;
  resolve(results: TrainingResult[]): void;
  reject(error: unknown): void;
}

interface Task {
  readonly id: number;
  readonly batch: Batch;
  readonly index: number;
}

interface Slot {
  readonly worker: WorkerHandle;
  readonly number: number;
  task: Task | undefined;
  /** Settles warm()'s wait for this worker. */
  warming?: { resolve(): void; reject(error: Error): void };
}

function checkWorkers(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`workers: expected a positive integer, got ${String(value)}`);
  return value;
}

/**
 * A pool of training workers that stay up between batches (each keeps its wasm instances and tfjs
 * backend warm). Workers start on demand, up to `workers`; close() ends them.
 */
export class TrainingPool {
  readonly size: number;
  private readonly adapter: WorkerAdapter;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private started = 0;
  private closed = false;

  constructor(options: { adapter: WorkerAdapter; workers?: number }) {
    this.adapter = options.adapter;
    this.size = checkWorkers(options.workers ?? options.adapter.defaultWorkers());
  }

  /** Trains the jobs; results in job order, bit-identical to runTrainingJob() on each in turn. */
  train(jobs: readonly TrainingJob[], options: BatchOptions = {}): Promise<TrainingResult[]> {
    if (this.closed) return Promise.reject(new Error("training pool: closed"));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (jobs.length === 0) return Promise.resolve([]);
    return new Promise<TrainingResult[]>((resolve, reject) => {
      const batch: Batch = { ...options, jobs, results: new Array(jobs.length), remaining: jobs.length, settled: false, resolve, reject };
      signal?.addEventListener("abort", () => this.fail(batch, signal.reason), { once: true });
      // Longest first (equal ones in the order given), so that no long job starts last while the
      // other workers run out of work.
      const costs = jobs.map(estimatedCost);
      const byCost = [...jobs.keys()].sort((a, b) => costs[b]! - costs[a]! || a - b);
      byCost.forEach((index) => this.queue.push({ id: this.nextId++, batch, index }));
      this.pump();
    });
  }

  /**
   * Starts every worker and waits until each has loaded its code and kernels, so that a long-lived
   * pool's first jobs start at once (a queue worker waiting for jobs).
   */
  async warm(): Promise<void> {
    while (this.slots.length < this.size && !this.closed) if (!this.spawn()) throw new Error("training pool: could not start its workers");
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve, reject) => {
            slot.warming = { resolve, reject };
            slot.worker.postMessage({ type: "warm" } satisfies ToWorker);
          }),
      ),
    );
  }

  /** Terminates every worker; pending batches reject. */
  close(): void {
    this.closed = true;
    for (const task of [...this.queue, ...this.slots.map((s) => s.task)]) if (task) this.fail(task.batch, new Error("training pool: closed"));
    for (const slot of this.slots.splice(0)) slot.worker.terminate();
  }

  private fail(batch: Batch, error: unknown): void {
    if (batch.settled) return;
    batch.settled = true;
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.batch === batch) this.queue.splice(i, 1);
    // A job cannot be stopped inside its worker: end the workers still busy with this batch.
    for (const slot of this.slots.filter((s) => s.task?.batch === batch)) this.retire(slot);
    batch.reject(error);
    this.pump();
  }

  private retire(slot: Slot): void {
    slot.worker.terminate();
    this.slots.splice(this.slots.indexOf(slot), 1);
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
        if (!slot) return;
      }
      const task = this.queue.shift()!;
      slot.task = task;
      const job = task.batch.jobs[task.index]!;
      slot.worker.postMessage({ type: "job", id: task.id, job } satisfies ToWorker, task.batch.transfer ? buffersOf([job.data.features, job.data.labels, ...(job.predict ?? []).map((q) => q.features)]) : undefined);
    }
  }

  private spawn(): Slot | undefined {
    const number = ++this.started;
    let worker: WorkerHandle;
    try {
      worker = this.adapter.spawn();
    } catch (error) {
      const reason = new Error(`workers: could not start worker ${number}: ${error instanceof Error ? error.message : String(error)}`);
      for (const task of this.queue.splice(0)) this.fail(task.batch, reason);
      return undefined;
    }
    const slot: Slot = { worker, number, task: undefined };
    this.slots.push(slot);
    worker.onError((error) => {
      if (!this.slots.includes(slot)) return;
      const task = slot.task;
      this.retire(slot);
      const reason = new Error(`workers: worker ${number} failed: ${error.message}`);
      slot.warming?.reject(reason);
      if (task) this.fail(task.batch, reason);
      else this.pump();
    });
    worker.onMessage((raw) => {
      const message = raw as FromWorker;
      if (message.type === "ready") return slot.warming?.resolve();
      const task = slot.task;
      if (!task || task.id !== message.id) return;
      const { batch, index } = task;
      if (message.type === "epoch") {
        if (!batch.settled) batch.onEpoch?.(index, message.info);
        return;
      }
      slot.task = undefined;
      if (message.type === "error") {
        const job = batch.jobs[index]!;
        this.fail(batch, new Error(`job ${index} (${job.kind}, seed ${job.options.seed}): ${message.message}`));
      } else if (!batch.settled) {
        batch.results[index] = message.result;
        batch.onResult?.(index, message.result);
        if (--batch.remaining === 0) {
          batch.settled = true;
          batch.resolve(batch.results);
        }
      }
      this.pump();
    });
    return slot;
  }
}

/**
 * Trains every job across a fresh pool of workers, closed afterwards; results come back in job
 * order and are bit-identical to runTrainingJob() on each job in turn (each job's randomness comes
 * from its own seed).
 */
export async function trainInParallel(jobs: readonly TrainingJob[], options: ParallelOptions): Promise<TrainingResult[]> {
  const requested = checkWorkers(options.workers ?? options.adapter.defaultWorkers());
  options.signal?.throwIfAborted();
  if (jobs.length === 0) return [];
  const pool = new TrainingPool({ adapter: options.adapter, workers: Math.min(requested, jobs.length) });
  try {
    return await pool.train(jobs, options);
  } finally {
    pool.close();
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
