// Test and benchmark helpers for the Redis queue: a real redis-server (Debian's) on a free loopback
// port with a temporary directory, and real `mlleaks worker` processes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openRedis, type QueueTls } from "../src/adapters/node/redis.js";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "bin.js");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(url: string, tls?: QueueTls): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      await (await openRedis(url, tls)).quit();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`redis-server at ${url} did not answer`);
}

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (without persistence its data is gone). */
  restart(): Promise<void>;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** A server certificate (PEM files) and the CA that signed it (`ca`, its PEM text), for TLS only. */
export interface TestTls extends QueueTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/**
 * redis-server on a free 127.0.0.1 port, no persistence, in a temporary directory; with `tls`, on
 * that port over TLS only (rediss://, the plain port closed).
 */
export async function startRedis(extraArgs: readonly string[] = [], password?: string, tls?: TestTls): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "mlleaks-redis-"));
  const url = `${tls ? "rediss" : "redis"}://${password ? `:${encodeURIComponent(password)}@` : ""}127.0.0.1:${port}`;
  const listen = tls ? ["--port", "0", "--tls-port", String(port), "--tls-cert-file", tls.certFile, "--tls-key-file", tls.keyFile, "--tls-ca-cert-file", tls.caFile, "--tls-auth-clients", "no"] : ["--port", String(port)];
  let server: ChildProcess | undefined;
  const launch = async () => {
    server = spawn("redis-server", [...listen, "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", ...(password ? ["--requirepass", password] : []), ...extraArgs], { stdio: "ignore" });
    await waitForPing(url, tls);
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      if (!server || server.exitCode !== null || server.signalCode !== null) return resolve();
      server.once("exit", () => resolve());
      server.kill("SIGKILL");
    });
  await launch();
  return {
    url,
    port,
    kill,
    restart: launch,
    async flush() {
      const client = await openRedis(url, tls);
      await client.flushall();
      await client.quit();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface WorkerProcess {
  readonly process: ChildProcess;
  /** Its stderr so far. */
  log(): string;
  /** Jobs it started and jobs it finished (from its log). */
  started(): number;
  trained(): number;
  /** MB of arrays its jobs took from Redis, and MB they needed (the rest came from its cache). */
  megabytes(): { fetched: number; needed: number };
  /** CPU seconds its jobs took (every thread, its start-up left out), once it has stopped. */
  cpuSeconds(): number;
  /** SIGTERM (finishes the jobs in hand) or SIGKILL; resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const spawned = new Set<ChildProcess>();

/** SIGKILLs every worker process still running (a test's `after`). */
export function killWorkers(): void {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  spawned.clear();
}

/** An `mlleaks worker` process on the queue at `url`, resolved once it serves the queue. */
export async function spawnWorker(url: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [cli, "worker", "--queue", url, ...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
  spawned.add(child);
  let log = "";
  child.stderr!.setEncoding("utf8");
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (chunk: string) => {
      log += chunk;
      if (log.includes("serving")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`mlleaks worker exited with ${code}: ${log}`)));
  });
  await ready;
  const count = (pattern: RegExp) => log.split("\n").filter((line) => pattern.test(line)).length;
  return {
    process: child,
    log: () => log,
    started: () => count(/ started$/),
    trained: () => count(/ trained in /),
    megabytes: () => {
      const sums = { fetched: 0, needed: 0 };
      for (const [, fetched, needed] of log.matchAll(/: ([\d.]+) of its ([\d.]+) MB fetched/g)) {
        sums.fetched += Number(fetched);
        sums.needed += Number(needed);
      }
      return sums;
    },
    cpuSeconds: () => {
      const cpu = (pattern: RegExp) => Number(pattern.exec(log)?.[1] ?? NaN);
      return cpu(/stopped; CPU ([\d.]+) s/) - cpu(/ready: CPU ([\d.]+) s/);
    },
    stop: (signal = "SIGTERM") =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // "close": its log has been read to the end too.
        child.once("close", () => resolve());
        child.kill(signal);
        // A worker finishes its jobs in hand on SIGTERM; one that takes too long is killed.
        if (signal !== "SIGKILL") setTimeout(() => child.kill("SIGKILL"), 10000).unref();
      }),
  };
}

/** Waits (up to 10 s) for workers' logs, which arrive through a pipe, to reach `expected`; returns the count. */
export async function loggedCount(count: () => number, expected: number): Promise<number> {
  for (let i = 0; i < 200 && count() < expected; i++) await sleep(50);
  return count();
}

/** A small audit whose models are all jobs: digits, the target, adversary 1's shadow, 4 reference models. */
export async function smallAuditOptions(epochs: number, partSize: number) {
  const { loadNamedDataset } = await import("../src/adapters/node/datasets.js");
  const dataset = await loadNamedDataset("digits", {});
  return { dataset, seed: 3, adversaries: [1] as const, attacks: ["lira", "rmia"] as const, shadows: 4, epochs, attackEpochs: 3, partSize };
}
