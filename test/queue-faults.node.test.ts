// Faults on the Redis queue, with a real redis-server and real `mlleaks worker` processes: a worker
// SIGKILLed mid-job, Redis killed and restarted mid-audit, a job that keeps failing, a payload that
// does not validate, and a password in the URL.
import { Queue } from "bullmq";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createQueueRunner, QUEUE_NAME } from "../src/adapters/node/queue.js";
import { redisOptions } from "../src/adapters/node/redis.js";
import { audit } from "../src/audit.js";
import { encodeTrainingJob } from "../src/models/job-codec.js";
import type { TrainingJob } from "../src/models/parallel.js";
import { fingerprintReport } from "../src/report/json.js";
import { killWorkers, loggedCount, smallAuditOptions, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from "./queue-redis.js";

const faults = suite("queue: faults");
let redis: TestRedis;
let inProcess: string;
// Jobs long enough (20 epochs) to be caught in the middle; a short lock so a dead worker's job returns soon.
const options = () => smallAuditOptions(20, 300);
const LOCK = ["--lock-ms", "1500"];
// The worker that replaces the SIGKILLed one serves the later tests too (it also lives through the
// Redis restart): 2 worker processes started in all.
let serving: WorkerProcess | undefined;
const servingWorker = async () => (serving && serving.process.exitCode === null ? serving : (serving = await spawnWorker(redis.url, LOCK)));

faults.before(async () => {
  redis = await startRedis();
  inProcess = await fingerprintReport(await audit(await options()));
});
faults.after(async () => {
  await serving?.stop();
  killWorkers();
  await redis.stop();
});

/** Audits through the queue, calling `fault` once, at the first epoch a worker reports. */
async function auditWithFault(fault: () => Promise<void>): Promise<string> {
  const runner = await createQueueRunner(redis.url, { pollMs: 500 });
  let struck: Promise<void> | undefined;
  try {
    const report = await audit({ ...(await options()), runJobs: runner.runJobs, onProgress: (p) => void (/epoch/.test(p.detail) && (struck ??= fault())) });
    await struck;
    return fingerprintReport(report);
  } finally {
    await runner.close();
  }
}

faults("a worker SIGKILLed during a job: its job is retried after the lock expires, same fingerprint", async () => {
  await redis.flush();
  const doomed = await spawnWorker(redis.url, LOCK);
  const fingerprint = await auditWithFault(async () => {
    await doomed.stop("SIGKILL");
    serving = await spawnWorker(redis.url, LOCK);
  });
  assert.is(fingerprint, inProcess);
  assert.ok(doomed.started() > doomed.trained(), `the killed worker was in the middle of a job:\n${doomed.log()}`);
  assert.ok((await loggedCount(serving!.trained, 1)) >= 1);
});

faults("Redis killed and restarted (its data lost) mid-audit: jobs are enqueued again, same fingerprint", async () => {
  await redis.flush();
  await servingWorker();
  const fingerprint = await auditWithFault(async () => {
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.restart();
  });
  assert.is(fingerprint, inProcess);
});

const tiny = (kind: TrainingJob["kind"]): TrainingJob => {
  const rows = 30;
  return {
    kind,
    spec: { inputShape: [4], numClasses: 3, engine: "fused" },
    data: { features: Float32Array.from({ length: rows * 4 }, (_, i) => (i % 7) / 7), recordShape: [4], labels: Int32Array.from({ length: rows }, (_, i) => i % 3), numClasses: 3 },
    options: { seed: 5, epochs: 2 },
    predict: [],
  };
};

faults("a job that fails on every attempt ends the run with its key and error", async () => {
  await servingWorker();
  const runner = await createQueueRunner(redis.url, { attempts: 2, backoffMs: 100, pollMs: 200 });
  try {
    const job = tiny("cnn"); // a CNN on flat 4-feature records: a real error from the worker's training
    const { key } = await encodeTrainingJob(job);
    const error = await runner.runJobs([job], {}).then(() => undefined, (e: Error) => e);
    assert.ok(error, "the run rejects");
    assert.match(error!.message, `job ${key} failed after 2 attempts`);
    assert.match(error!.message, /cnn: inputShape must be \[height, width, channels\], got \[4\]/);
  } finally {
    await runner.close();
  }
});

faults("a worker refuses a payload that does not validate (InvalidJobError, no retries)", async () => {
  const worker = await servingWorker();
  const trainedBefore = worker.trained();
  const queue = new Queue(QUEUE_NAME, { connection: redisOptions(redis.url) });
  try {
    const { payload } = await encodeTrainingJob(tiny("mlp"));
    const job = await queue.add("train", { ...payload, kind: "rnn" }, { jobId: "not-a-key", attempts: 3 });
    for (let i = 0; i < 200 && !(await job.isFailed()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const failed = (await queue.getJob("not-a-key"))!;
    assert.ok(await failed.isFailed());
    assert.match(failed.failedReason, /^InvalidJobError: job payload: kind: expected one of cnn, mlp/);
    assert.is(failed.attemptsMade, 1);
    assert.is(worker.trained(), trainedBefore);
  } finally {
    await queue.close();
  }
});

faults("a password in the URL authenticates; a wrong one is an error that does not show it", async () => {
  const guarded = await startRedis([], "s3cret/pass");
  try {
    const runner = await createQueueRunner(guarded.url);
    await runner.close();
    const wrong = guarded.url.replace("s3cret", "wrong");
    const error = await createQueueRunner(wrong).then(() => undefined, (e: Error) => e);
    assert.ok(error);
    assert.match(error!.message, /WRONGPASS|invalid/i);
    assert.not.match(error!.message, /wrong%2Fpass|wrong\/pass/);
  } finally {
    await guarded.stop();
  }
});

faults.run();
