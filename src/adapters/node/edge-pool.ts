// The edge handler's offload on Node: a small pool of worker_threads that answer large request
// bodies (parse, check, audit), so an 8 MiB body computing does not hold up the small requests the
// event loop keeps serving. One body per worker at a time; a bounded queue beyond that, and a full
// queue is ServerBusyError (the handler answers 503 with Retry-After) rather than unbounded memory.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { ServerBusyError, type LeakageAnswer } from "../../edge/handler.js";

/** What each worker builds its handler options from: plain data, since functions cannot cross. */
export interface EdgeWorkerSettings {
  readonly maxBodyBytes?: number;
  readonly maxRows?: number;
  /** For allowModelUrlPrefixes(): the model-URL form is refused without them. */
  readonly allowModelUrlPrefixes?: readonly string[];
}

export interface EdgePoolOptions {
  /** Worker threads (default: the number of cores). */
  readonly workers?: number;
  /** Bodies that may wait for a worker (default 2 per worker); one more is refused with 503. */
  readonly maxQueue?: number;
  /** The Retry-After of that 503, in seconds (default 2). */
  readonly retryAfterSeconds?: number;
  /** Heap limit per worker in MB (default 1024): a body that needs more fails alone. */
  readonly workerHeapMb?: number;
  readonly settings?: EdgeWorkerSettings;
}

export interface EdgePool {
  /** The handler's offload option. */
  readonly offload: (body: Uint8Array) => Promise<LeakageAnswer>;
  /** Bodies being answered in workers now. */
  readonly running: number;
  /** Bodies waiting for a worker. */
  readonly queued: number;
  close(): Promise<void>;
}

interface Job {
  readonly body: Uint8Array;
  resolve(answer: LeakageAnswer): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

export function createEdgePool(options: EdgePoolOptions = {}): EdgePool {
  const size = options.workers ?? availableParallelism();
  const maxQueue = options.maxQueue ?? 2 * size;
  const retryAfter = options.retryAfterSeconds ?? 2;
  for (const [name, value, least] of [["workers", size, 1], ["maxQueue", maxQueue, 0]] as const) {
    if (!Number.isInteger(value) || value < least) throw new Error(`edge pool: ${name} expects an integer of at least ${least}, got ${value}`);
  }
  const queue: Job[] = [];
  let closed = false;

  const spawn = (): Slot => {
    const worker = new Worker(new URL("./edge-pool-worker.js", import.meta.url), {
      workerData: options.settings ?? {},
      resourceLimits: { maxOldGenerationSizeMb: options.workerHeapMb ?? 1024 },
    });
    const slot: Slot = { worker };
    worker.on("message", (answer: LeakageAnswer) => {
      const job = slot.job;
      slot.job = undefined;
      slot.worker.unref();
      job?.resolve(answer);
      next(slot);
    });
    // A worker that dies (out of its heap, say) fails its body alone; a fresh one takes its place.
    const fail = (error: Error) => {
      const job = slot.job;
      slot.job = undefined;
      job?.reject(new Error(`the worker answering this body failed: ${error.message}`));
      if (closed) return;
      slot.worker.removeAllListeners();
      void slot.worker.terminate();
      const fresh = spawn();
      slots[slots.indexOf(slot)] = fresh;
      next(fresh);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!closed) fail(new Error(`worker thread exited with code ${code}`));
    });
    worker.unref();
    return slot;
  };

  const next = (slot: Slot) => {
    const job = queue.shift();
    if (job === undefined) return;
    slot.job = job;
    // Referenced while it computes: an awaited answer keeps the process alive, an idle pool does not.
    slot.worker.ref();
    slot.worker.postMessage(job.body, [job.body.buffer as ArrayBuffer]);
  };

  const slots: Slot[] = Array.from({ length: size }, spawn);

  return {
    offload(body) {
      if (closed) return Promise.reject(new Error("edge pool is closed"));
      if (queue.length >= maxQueue && slots.every((slot) => slot.job)) {
        return Promise.reject(new ServerBusyError(`${size} worker(s) busy and ${queue.length} large bodies waiting`, retryAfter));
      }
      // The body is transferred to the worker: this copy keeps the caller's bytes intact.
      return new Promise<LeakageAnswer>((resolve, reject) => {
        queue.push({ body: body.slice(), resolve, reject });
        const idle = slots.find((slot) => !slot.job);
        if (idle) next(idle);
      });
    },
    get running() {
      return slots.filter((slot) => slot.job).length;
    },
    get queued() {
      return queue.length;
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error("edge pool closed"));
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
