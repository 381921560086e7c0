// npm run bench:scale: an audit with 32 LiRA/RMIA reference models on purchase, trained in this
// process, on 1 `mlleaks worker` process and on 2 (through a real redis-server on 127.0.0.1; the
// workers already serving, as in a deployment), as wall-time ratios measured in the same run, with
// the CPU time of this process and of the workers' jobs beside them: the work done, which the load
// of a shared machine does not change. Then the queue's own latency per job on a warm idle worker:
// enqueue (arrays uploaded) -> the worker starting to train, and the worker holding the trained model
// -> this process holding its result decoded, against the job's time in the worker's training thread.
// BENCH_EPOCHS (default 50, the audit's and the paper's) and BENCH_SHADOWS (default 32).
import { loadNamedDataset } from "../src/adapters/node/datasets.js";
import { createQueueRunner } from "../src/adapters/node/queue.js";
import { loadavg } from "node:os";
import { audit, trainingJob, type AuditOptions } from "../src/audit.js";
import type { AuditReport } from "../src/report/types.js";
import { fingerprintReport } from "../src/report/json.js";
import { spawnWorker, startRedis, type TestRedis, type WorkerProcess } from "../test/queue-redis.js";

const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 50);
const SHADOWS = Number(process.env.BENCH_SHADOWS ?? 32);
const OVERHEAD_JOBS = 8;
const MODELS = SHADOWS + 2;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const dataset = await loadNamedDataset("purchase", {});
const options: AuditOptions = { dataset, seed: 1, adversaries: [1], attacks: ["lira", "rmia"], shadows: SHADOWS, epochs: EPOCHS, attackEpochs: 10 };
console.log(`bench:scale: purchase, ${SHADOWS} reference models + target + shadow, ${EPOCHS} epochs; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);

interface Run {
  readonly seconds: number;
  /** CPU seconds of this process and of the worker processes' jobs: the work, whatever the load. */
  readonly cpuSeconds: number;
  readonly trainingSeconds: number;
  readonly fingerprint: string;
}

/** An audit timed from its start to its report; workers (long-lived in a deployment) are already serving. */
async function timed(label: string, workers: readonly WorkerProcess[], run: () => Promise<AuditReport>): Promise<Run> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(workers.map((w) => w.stop()));
  const workersCpu = workers.reduce((n, w) => n + w.cpuSeconds(), 0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6 + workersCpu;
  const fingerprint = await fingerprintReport(report);
  const trainingSeconds = report.timings?.training ?? NaN;
  console.log(`  ${label.padEnd(20)} ${seconds.toFixed(1).padStart(6)} s (training ${trainingSeconds.toFixed(1)} s)  CPU ${cpuSeconds.toFixed(1)} s (workers ${workersCpu.toFixed(1)} s), ${((cpuSeconds / MODELS) * 1000).toFixed(0)} ms per model${workers.length > 1 ? ` (models per worker: ${workers.map((w) => w.trained()).join(", ")})` : ""}  fingerprint ${fingerprint.slice(0, 16)}`);
  return { seconds, cpuSeconds, trainingSeconds, fingerprint };
}

async function onWorkers(redis: TestRedis, count: number): Promise<Run> {
  await redis.flush();
  const workers = await Promise.all(Array.from({ length: count }, () => spawnWorker(redis.url)));
  const runner = await createQueueRunner(redis.url);
  try {
    return await timed(`${count} worker process${count === 1 ? "" : "es"}`, workers, () => audit({ ...options, runJobs: runner.runJobs }));
  } finally {
    await runner.close();
    await Promise.all(workers.map((w) => w.stop()));
  }
}

const redis = await startRedis();
try {
  const inProcess = await timed("in this process", [], () => audit(options));
  const one = await onWorkers(redis, 1);
  const two = await onWorkers(redis, 2);
  const same = one.fingerprint === inProcess.fingerprint && two.fingerprint === inProcess.fingerprint;
  console.log(`  fingerprints ${same ? "identical" : "DIFFER"}`);
  console.log(`  in-process / 1 worker: ${(inProcess.seconds / one.seconds).toFixed(2)}x wall, CPU ${(one.cpuSeconds / inProcess.cpuSeconds).toFixed(2)}x the in-process CPU`);
  console.log(`  2 workers vs 1: ${(one.seconds / two.seconds).toFixed(2)}x faster (target >= 1.7x); training phase ${(one.trainingSeconds / two.trainingSeconds).toFixed(2)}x; CPU ${(two.cpuSeconds / one.cpuSeconds).toFixed(2)}x one worker's`);
  console.log(`  load average at the end ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);

  // Queue cost per job, one job at a time on a warm worker (waiting behind other jobs is not overhead).
  await redis.flush();
  const worker = await spawnWorker(redis.url);
  const runner = await createQueueRunner(redis.url);
  try {
    const rows = Math.floor(dataset.labels.length / 4);
    const width = dataset.recordShape.reduce((a, b) => a * b, 1);
    const part = { features: dataset.features.subarray(0, rows * width), recordShape: dataset.recordShape, labels: dataset.labels.subarray(0, rows), numClasses: dataset.numClasses };
    const config = { engine: "auto" as const, epochs: EPOCHS, batchSize: 100, learningRate: 0.001, l2: 1e-7 };
    for (let i = 0; i <= OVERHEAD_JOBS; i++) {
      await runner.runJobs([trainingJob(config, "mlp", dataset, part, 1000 + i, [{ features: part.features, rows }])], {});
      // The first job also starts the worker's training thread: left out.
      if (i === 0) for (const xs of [runner.stats.waitMs, runner.stats.mergeMs, runner.stats.trainMs]) xs.splice(0);
    }
  } finally {
    await runner.close();
    await worker.stop();
  }
  const wait = median(runner.stats.waitMs);
  const merge = median(runner.stats.mergeMs);
  const train = median(runner.stats.trainMs);
  console.log(`  queue overhead per job (median of ${OVERHEAD_JOBS}): enqueue->start ${wait.toFixed(1)} ms, result->merge ${merge.toFixed(1)} ms; training ${train.toFixed(0)} ms; overhead ${(((wait + merge) / train) * 100).toFixed(1)}% of training (target < 5%)`);
} finally {
  await redis.stop();
}
