// `mlleaks worker`: trains jobs from a Redis queue (BullMQ) until stopped, with the same code as
// in-process training; any number of workers on any number of machines serve one queue.
import { startQueueWorker } from "../../adapters/node/queue.js";
import { checkRedisUrl, readQueueCa, redactRedisUrl } from "../../adapters/node/redis.js";
import { UsageError, type CommandSpec } from "../args.js";

export const workerCommand: CommandSpec = {
  name: "worker",
  summary: "train shadow/reference models from a Redis queue (for mlleaks audit --queue)",
  usage: "mlleaks worker --queue redis://[:PASSWORD@]HOST:PORT [--queue-ca FILE] [--concurrency N] [--prefetch N] [--lock-ms MS]",
  options: {
    queue: { type: "string", valueName: "URL", required: true, description: "the Redis server holding the queue: redis://[:password@]host:port[/db], or rediss:// for TLS" },
    "queue-ca": { type: "string", valueName: "FILE", description: "with rediss://: the CA certificate(s), PEM, that signed the Redis server's certificate (or set NODE_EXTRA_CA_CERTS)" },
    concurrency: { type: "integer", valueName: "N", default: 1, description: "jobs trained at once, each in its own thread (about one per core)" },
    prefetch: { type: "integer", valueName: "N", default: 1, description: "jobs taken beyond those training, their data fetched while the others train (0: none)" },
    "lock-ms": { type: "integer", valueName: "MS", default: 30000, description: "job lock lifetime: a job whose worker dies is retried by another after this long" },
  },
  async run(options) {
    const url = options.queue as string;
    let tls;
    try {
      checkRedisUrl(url, "--queue");
      tls = await readQueueCa(url, options["queue-ca"] as string | undefined);
    } catch (error) {
      throw new UsageError(`mlleaks worker: ${(error as Error).message}`);
    }
    for (const name of ["concurrency", "lock-ms", "prefetch"]) {
      const value = options[name] as number;
      const least = name === "prefetch" ? 0 : 1;
      if (!(Number.isInteger(value) && value >= least)) throw new UsageError(`mlleaks worker: --${name} expects an integer >= ${least}, got ${value}`);
    }
    const log = (message: string) => void process.stderr.write(`mlleaks worker: ${message}\n`);
    const worker = await startQueueWorker(url, { ...(tls ? { tls } : {}), concurrency: options.concurrency as number, prefetch: options.prefetch as number, lockMs: options["lock-ms"] as number, log });
    const cpuAtStart = process.cpuUsage();
    log(`ready: CPU ${((cpuAtStart.user + cpuAtStart.system) / 1e6).toFixed(2)} s to start`);
    log(`serving ${redactRedisUrl(url)} with ${options.concurrency} thread${options.concurrency === 1 ? "" : "s"} (stop with Ctrl-C)`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    log(`stopping after the jobs in hand; ${worker.trained()} trained`);
    await worker.close();
    // Every thread's CPU time: what the jobs cost this machine, however loaded it is.
    const cpu = process.cpuUsage();
    log(`stopped; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
    return 0;
  },
};
