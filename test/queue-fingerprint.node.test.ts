// Audits through the Redis queue (real redis-server, real `mlleaks worker` processes) give the
// in-process report's fingerprint, with 1 worker and with 3; a second audit trains nothing.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createQueueRunner } from "../src/adapters/node/queue.js";
import { audit } from "../src/audit.js";
import { fingerprintReport } from "../src/report/json.js";
import { killWorkers, loggedCount, smallAuditOptions, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from "./queue-redis.js";

const queue = suite("queue: same fingerprint");
const MODELS = 6; // target, adversary 1's shadow, 4 reference models
let redis: TestRedis;
let inProcess: string;
// The first worker serves both tests (the second adds two more): 3 processes started in all.
let first: WorkerProcess;
const options = () => smallAuditOptions(3, 150);

queue.before(async () => {
  redis = await startRedis();
  const [fingerprint, worker] = await Promise.all([audit(await options()).then(fingerprintReport), spawnWorker(redis.url)]);
  inProcess = fingerprint;
  first = worker;
});
queue.after(async () => {
  await first.stop();
  killWorkers();
  await redis.stop();
});

async function auditThroughQueue() {
  const runner = await createQueueRunner(redis.url);
  try {
    const epochs: number[] = [];
    const report = await audit({ ...(await options()), runJobs: runner.runJobs, onProgress: (p) => /epoch/.test(p.detail) && epochs.push(p.done) });
    return { fingerprint: await fingerprintReport(report), stats: runner.stats, epochEvents: epochs.length };
  } finally {
    await runner.close();
  }
}

queue("1 worker process: the in-process fingerprint, every model trained by the worker, progress from queue events", async () => {
  const run = await auditThroughQueue();
  assert.is(run.fingerprint, inProcess);
  assert.is(run.stats.enqueued, MODELS);
  assert.is(run.stats.reused, 0);
  assert.ok(run.epochEvents > 0, "epoch progress arrives through the queue's events");
  // At least once: a job whose lock lapsed on a starved machine may train twice, to the same bits.
  assert.ok((await loggedCount(first.trained, MODELS)) >= MODELS);
  // The reference models' shared queries came from Redis once; the worker's cache served the rest.
  const { fetched, needed } = first.megabytes();
  assert.ok(fetched > 0 && fetched < needed * 0.75, `fetched ${fetched} of ${needed} MB:\n${first.log()}`);
});

queue("3 worker processes: the same fingerprint; a second audit with the same models trains nothing", async () => {
  await redis.flush();
  const before = first.trained();
  const added = await Promise.all([0, 1].map(() => spawnWorker(redis.url)));
  const workers = [first, ...added];
  try {
    const firstRun = await auditThroughQueue();
    assert.is(firstRun.fingerprint, inProcess);
    assert.is(firstRun.stats.enqueued, MODELS);
    const trained = () => workers.reduce((n, w) => n + w.trained(), 0) - before;
    const afterFirst = await loggedCount(trained, MODELS);
    assert.ok(afterFirst >= MODELS);
    const second = await auditThroughQueue();
    assert.is(second.fingerprint, inProcess);
    assert.is(second.stats.enqueued, 0);
    assert.is(second.stats.reused, MODELS);
    assert.is(trained(), afterFirst, "no worker trained anything for the second audit");
  } finally {
    await Promise.all(added.map((w) => w.stop()));
  }
});

queue("64 reference models (LiRA, RMIA) across 2 worker processes: the in-process fingerprint", async () => {
  await redis.flush();
  const wide = async () => ({ ...(await options()), shadows: 64 });
  const second = await spawnWorker(redis.url);
  const runner = await createQueueRunner(redis.url);
  try {
    const [queued, inProcess] = await Promise.all([audit({ ...(await wide()), runJobs: runner.runJobs }), wide().then(audit)]);
    assert.is(await fingerprintReport(queued), await fingerprintReport(inProcess));
    assert.is(runner.stats.enqueued, 64 + 2);
    const names = queued.runs[0]!.attacks.map((attack) => attack.name);
    assert.ok(names.some((name) => /lira/i.test(name)) && names.some((name) => /rmia/i.test(name)), names.join(", "));
  } finally {
    await runner.close();
    await second.stop();
  }
});

queue.run();
