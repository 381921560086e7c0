// Training jobs on a Redis queue (BullMQ): the coordinator side (a JobRunner for audit()) and the
// worker side (`mlleaks worker`). Jobs are content-addressed (src/models/job-codec.ts): the BullMQ
// job id is the job's key, so the queue itself de-duplicates, and a result stored under its key is
// reused by any later audit that asks for the same model.
//
// Redis holds three kinds of keys: BullMQ's own (prefix "bull:mlleaks-training"), the jobs' arrays
// ("mlleaks:blob:SHA256", shared between jobs: a reference model's queries are stored once) and the
// results ("mlleaks:result:KEY": posteriors + weights' SHA-256, a few hundred kB at most here).
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from "bullmq";
import type { JobRunner } from "../../audit.js";
import { BlobHashes, blobRefs, decodeTrainingJob, decodeTrainingResult, encodeTrainingJob, encodeTrainingResult, InvalidJobError, validateJobPayload, verifyBlob, type BlobRef, type EncodedJob, type JobPayload } from "../../models/job-codec.js";
import { TrainingPool, type TrainingResult } from "../../models/parallel.js";
import type { EpochInfo } from "../../models/types.js";
import { nodeWorkers } from "./workers.js";
import type { Redis } from "ioredis";
import { checkRedisUrl, openRedis, redisOptions, type QueueTls } from "./redis.js";

export const QUEUE_NAME = "mlleaks-training";
const BLOB_PREFIX = "mlleaks:blob:";
const RESULT_PREFIX = "mlleaks:result:";
const PROGRESS_MS = 250;

export interface QueueStats {
  /** Jobs put on the queue by this runner (their results did not exist yet). */
  enqueued: number;
  /** Jobs whose results already existed in Redis: nothing trained. */
  reused: number;
  /** Jobs re-enqueued because the queue had lost them (Redis restarted without its data). */
  requeued: number;
  /** Per job this runner enqueued: ms from enqueueing it (its arrays' upload included) to a worker starting to train it. */
  readonly waitMs: number[];
  /** Per job: ms from the worker holding the trained model to this process holding its result decoded. */
  readonly mergeMs: number[];
  /** Per job: ms the worker spent training it and predicting its records (in its training thread). */
  readonly trainMs: number[];
}

export interface QueueRunnerOptions {
  /** Attempts per job before the audit fails with its key and error (default 3). */
  readonly attempts?: number;
  /** Pause between attempts, ms (default 1000). */
  readonly backoffMs?: number;
  /** How often to look at jobs whose events may have been missed (Redis restart), ms (default 1000). */
  readonly pollMs?: number;
  /** Messages about the queue (connection lost, jobs re-enqueued). */
  readonly log?: (message: string) => void;
  /** The CA of a rediss:// server's certificate (readQueueCa). */
  readonly tls?: QueueTls;
}

export interface QueueRunner {
  readonly runJobs: JobRunner;
  readonly stats: QueueStats;
  close(): Promise<void>;
}

/** Blobs and results go through a connection of our own (BullMQ's connections are its own). */
class BlobStore {
  constructor(readonly client: Redis) {}
  get(key: string): Promise<Buffer | null> {
    return this.client.getBuffer(key);
  }
  /** Several values in one round trip. */
  getMany(keys: readonly string[]): Promise<(Buffer | null)[]> {
    return this.client.mgetBuffer(...keys);
  }
  async set(key: string, value: Uint8Array): Promise<void> {
    await this.client.set(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  /** Which of the keys exist, in one round trip. */
  async exist(keys: readonly string[]): Promise<boolean[]> {
    const replies = (await this.client.pipeline(keys.map((key) => ["exists", key])).exec()) ?? [];
    return replies.map(([error, count]) => {
      if (error) throw error;
      return count === 1;
    });
  }
  close(): Promise<unknown> {
    return this.client.quit().catch(() => this.client.disconnect());
  }
}

/** Wall-clock ms with sub-ms precision, comparable between processes on one machine (queue overhead figures). */
const wallClockMs = () => performance.timeOrigin + performance.now();

/** A worker's return value for a job: when training started and ended, by wallClockMs(). */
interface JobTimes {
  readonly startedAt: number;
  readonly trainedAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries an operation until Redis answers (a restart takes seconds); other errors go through. */
async function whileRedisIsBack<T>(what: string, operation: () => Promise<T>, log: (m: string) => void, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await operation();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!/connection|closed|ECONNREFUSED|ECONNRESET|LOADING|EPIPE/i.test(message) || error instanceof InvalidJobError) throw error;
      if (attempt === 0) log(`queue: Redis unavailable (${message}) while ${what}; retrying`);
      await sleep(Math.min(2000, 200 * (attempt + 1)));
    }
  }
}

/** The coordinator's side: a JobRunner that trains on whatever workers serve the queue at `url`. */
export async function createQueueRunner(url: string, options: QueueRunnerOptions = {}): Promise<QueueRunner> {
  checkRedisUrl(url, "--queue");
  const log = options.log ?? (() => {});
  const attempts = options.attempts ?? 3;
  const pollMs = options.pollMs ?? 1000;
  const store = new BlobStore(await openRedis(url, options.tls));
  // Given options rather than clients, BullMQ opens its connections and closes them on close().
  const queue = new Queue(QUEUE_NAME, { connection: redisOptions(url, options.tls) });
  const events = new QueueEvents(QUEUE_NAME, { connection: redisOptions(url, options.tls) });
  queue.on("error", () => {});
  events.on("error", () => {});
  await events.waitUntilReady();
  const stats: QueueStats = { enqueued: 0, reused: 0, requeued: 0, waitMs: [], mergeMs: [], trainMs: [] };

  const uploadBlobs = async (encoded: EncodedJob) => {
    const refs = blobRefs(encoded.payload);
    const stored = await store.exist(refs.map((ref) => BLOB_PREFIX + ref.sha256));
    await Promise.all(refs.map((ref, i) => (stored[i] ? undefined : store.set(BLOB_PREFIX + ref.sha256, encoded.blobs.get(ref.sha256)!))));
  };
  const enqueue = async (encoded: EncodedJob) => {
    await uploadBlobs(encoded);
    const existing = await queue.getJob(encoded.key);
    // A job left failed by an earlier audit gets a fresh set of attempts.
    if (existing && (await existing.isFailed())) await existing.remove();
    await queue.add("train", encoded.payload, { jobId: encoded.key, attempts, backoff: { type: "fixed", delay: options.backoffMs ?? 1000 }, removeOnComplete: true, removeOnFail: false });
  };
  const readResult = async (key: string): Promise<TrainingResult | undefined> => {
    const bytes = await store.get(RESULT_PREFIX + key);
    return bytes ? decodeTrainingResult(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), key) : undefined;
  };

  const runJobs: JobRunner = async (jobs, hooks) => {
    const { signal } = hooks;
    const results: TrainingResult[] = new Array(jobs.length);
    const indicesOf = new Map<string, number[]>();
    const byKey = new Map<string, EncodedJob>();
    const pending = new Set<string>();
    const enqueuedAt = new Map<string, number>();
    const deliver = (key: string, result: TrainingResult) => {
      if (!pending.delete(key)) return;
      for (const i of indicesOf.get(key)!) {
        results[i] = result;
        hooks.onResult?.(i, result);
      }
    };

    let failure: Error | undefined;
    let wake: () => void = () => {};
    // The last event about this batch's jobs, and whether one failed: the poll looks at every job only
    // when the events have gone quiet (or after a failure), not once a second while they flow.
    let lastEventAt = 0;
    let failedEvent = false;
    const onFailed = ({ jobId }: { jobId: string }) => {
      if (!pending.has(jobId)) return;
      failedEvent = true;
      wake();
    };
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
      if (!pending.has(jobId)) return;
      lastEventAt = Date.now();
      for (const i of indicesOf.get(jobId) ?? []) hooks.onEpoch?.(i, data as EpochInfo);
    };
    const onCompleted = async ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
      if (!pending.has(jobId)) return;
      lastEventAt = Date.now();
      try {
        const result = await readResult(jobId);
        if (!result) return;
        const { startedAt, trainedAt } = (typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as JobTimes;
        const enqueued = enqueuedAt.get(jobId);
        if (enqueued !== undefined) stats.waitMs.push(startedAt - enqueued);
        stats.trainMs.push(trainedAt - startedAt);
        stats.mergeMs.push(wallClockMs() - trainedAt);
        deliver(jobId, result);
        if (pending.size === 0) wake();
      } catch {
        // The poll below picks it up.
      }
    };
    // Listening before the first job is enqueued: workers start on it while the rest are encoded.
    events.on("progress", onProgress);
    events.on("completed", onCompleted);
    events.on("failed", onFailed);
    try {
      const hashes = new BlobHashes();
      for (const [i, job] of jobs.entries()) {
        const e = await encodeTrainingJob(job, hashes);
        const key = e.key;
        indicesOf.set(key, [...(indicesOf.get(key) ?? []), i]);
        if (byKey.has(key)) {
          // The same model twice in one batch: trained once.
          if (!pending.has(key)) hooks.onResult?.(i, (results[i] = results[indicesOf.get(key)![0]!]!));
          continue;
        }
        byKey.set(key, e);
        const existing = await whileRedisIsBack("looking for results", () => readResult(key), log, signal);
        pending.add(key);
        if (existing) {
          stats.reused++;
          deliver(key, existing);
          continue;
        }
        enqueuedAt.set(key, wallClockMs());
        await whileRedisIsBack("enqueueing", () => enqueue(e), log, signal);
        stats.enqueued++;
      }
      // Events are fast; the poll catches what they miss (a Redis restart loses the event stream,
      // and without persistence the jobs too: those are enqueued again).
      while (pending.size > 0 && !failure) {
        signal?.throwIfAborted();
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, pollMs);
        });
        if (!failedEvent && Date.now() - lastEventAt < pollMs) continue;
        failedEvent = false;
        for (const key of [...pending]) {
          if (!pending.has(key)) continue;
          await whileRedisIsBack("waiting for results", async () => {
            const result = await readResult(key);
            if (result) return deliver(key, result);
            const job = await queue.getJob(key);
            if (!job) {
              log(`queue: job ${key} was lost (Redis restarted without its data?); enqueueing it again`);
              stats.requeued++;
              await enqueue(byKey.get(key)!);
            } else if ((await job.getState()) === "failed") {
              failure = new Error(`queue: job ${key} failed after ${job.attemptsMade} attempt${job.attemptsMade === 1 ? "" : "s"}: ${job.failedReason}`);
            }
          }, log, signal);
          if (failure) break;
        }
      }
    } finally {
      events.off("progress", onProgress);
      events.off("completed", onCompleted);
      events.off("failed", onFailed);
    }
    if (failure) throw failure;
    return results;
  };

  return {
    runJobs,
    stats,
    async close() {
      await Promise.allSettled([queue.close(), events.close(), store.close()]);
    },
  };
}

export interface QueueWorkerOptions {
  /** Jobs trained at once, each in its own worker thread (default 1). */
  readonly concurrency?: number;
  /**
   * Jobs taken beyond those training, their arrays fetched and checked while the others train
   * (default 1). 0 when jobs are few and long: a prefetched job waits for this worker's threads.
   */
  readonly prefetch?: number;
  /** How long a job's lock lasts without renewal, ms: a killed worker's job is retried after this (default 30000). */
  readonly lockMs?: number;
  /** Bytes of checked arrays kept between jobs (default 256 MiB): a reference model's queries are fetched once. */
  readonly blobCacheBytes?: number;
  readonly log?: (message: string) => void;
  /** The CA of a rediss:// server's certificate (readQueueCa). */
  readonly tls?: QueueTls;
}

export interface QueueWorker {
  /** Jobs this worker trained to completion. */
  readonly trained: () => number;
  close(): Promise<void>;
}

/**
 * A worker's arrays, checked against their SHA-256 once when fetched and kept (least recently used
 * dropped first, beyond a byte budget): the jobs of one audit share their queries, and shadow models
 * often their training data.
 */
class BlobCache {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;
  constructor(
    private readonly store: BlobStore,
    private readonly budget: number,
  ) {}

  /** The blobs by SHA-256, and how many bytes had to come from Redis. */
  async fetch(refs: readonly BlobRef[]): Promise<{ blobs: Map<string, Uint8Array>; fetchedBytes: number }> {
    const missing = refs.filter((ref) => !this.entries.has(ref.sha256));
    const fetched = missing.length > 0 ? await this.store.getMany(missing.map((ref) => BLOB_PREFIX + ref.sha256)) : [];
    const blobs = new Map<string, Uint8Array>();
    let fetchedBytes = 0;
    for (const ref of refs) {
      let bytes = this.entries.get(ref.sha256);
      if (bytes) this.entries.delete(ref.sha256);
      else {
        const raw = fetched[missing.indexOf(ref)];
        // Retried: the coordinator uploads the blobs again when Redis lost them.
        if (!raw) throw new Error(`blob ${ref.sha256} is not in Redis`);
        bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
        await verifyBlob(ref, bytes);
        this.bytes += bytes.byteLength;
        fetchedBytes += bytes.byteLength;
      }
      // Most recently used last.
      this.entries.set(ref.sha256, bytes);
      blobs.set(ref.sha256, bytes);
    }
    for (const [sha256, bytes] of this.entries) {
      if (this.bytes <= this.budget || blobs.has(sha256)) break;
      this.entries.delete(sha256);
      this.bytes -= bytes.byteLength;
    }
    return { blobs, fetchedBytes };
  }
}

/**
 * The worker's side: takes jobs from the queue at `url` and trains each in a worker thread (so this
 * thread stays free to renew the job's lock), with runTrainingJob(), as in-process training does.
 * The threads start, and load their kernels, before the worker takes its first job.
 */
export async function startQueueWorker(url: string, options: QueueWorkerOptions = {}): Promise<QueueWorker> {
  checkRedisUrl(url, "--queue");
  const log = options.log ?? (() => {});
  const concurrency = options.concurrency ?? 1;
  const lockMs = options.lockMs ?? 30000;
  const store = new BlobStore(await openRedis(url, options.tls));
  const cache = new BlobCache(store, options.blobCacheBytes ?? 256 * 1024 * 1024);
  const pool = new TrainingPool({ adapter: nodeWorkers, workers: concurrency });
  await pool.warm();
  let trained = 0;
  const process = async (job: Job) => {
    let payload: JobPayload;
    let trainingJob;
    try {
      payload = validateJobPayload(job.data);
      const refs = blobRefs(payload);
      const { blobs, fetchedBytes } = await cache.fetch(refs);
      const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
      log(`job ${job.id!.slice(0, 12)} (${payload.kind}, seed ${payload.options.seed}): ${mb(fetchedBytes)} of its ${mb(refs.reduce((n, r) => n + r.bytes, 0))} MB fetched, the rest cached; started`);
      trainingJob = await decodeTrainingJob(payload, blobs, true);
    } catch (error) {
      // A malformed job never becomes valid: fail it now, without retries.
      if (error instanceof InvalidJobError) throw new UnrecoverableError(`${error.name}: ${error.message}`);
      throw error;
    }
    const key = job.id!;
    const startedAt = wallClockMs();
    // Progress every quarter second at most, and at the last epoch: each update is a script and an event in Redis.
    let progressAt = 0;
    const onEpoch = (_: number, info: EpochInfo) => {
      if (info.epoch < info.epochs && Date.now() - progressAt < PROGRESS_MS) return;
      progressAt = Date.now();
      void job.updateProgress({ ...info }).catch(() => {});
    };
    const [result] = await pool.train([trainingJob], { transfer: true, onEpoch });
    const trainedAt = wallClockMs();
    await store.set(RESULT_PREFIX + key, encodeTrainingResult(result!));
    trained++;
    log(`job ${key.slice(0, 12)} trained in ${result!.summary.seconds.toFixed(2)} s`);
    return { weightsSha256: result!.weightsSha256, startedAt, trainedAt } satisfies JobTimes & { weightsSha256: string };
  };
  const worker = new Worker(QUEUE_NAME, process, {
    connection: redisOptions(url, options.tls),
    concurrency: concurrency + (options.prefetch ?? 1),
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A job whose worker died is put back this many times before it counts as failed.
    maxStalledCount: 3,
  });
  worker.on("error", () => {});
  worker.on("failed", (job, error) => log(`job ${job?.id?.slice(0, 12) ?? "?"} failed: ${error.message}`));
  await worker.waitUntilReady();
  return {
    trained: () => trained,
    async close() {
      await worker.close();
      pool.close();
      await store.close();
    },
  };
}
