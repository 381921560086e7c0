// `mlleaks worker`: trains jobs from a Redis queue (BullMQ) until stopped, with the same code as
// in-process training; any number of workers on any number of machines serve one queue.
import { startQueueWorker } from "../../adapters/node/queue.js";
import { checkRedisUrl, redactRedisUrl } from "../../adapters/node/redis.js";
import { UsageError, type CommandSpec } from "../args.js";

export const workerCommand: CommandSpec = {
  name: "worker",
  summary: "train shadow/reference models from a Redis queue (for mlleaks audit --queue)",
  usage: "mlleaks worker --queue redis://[:PASSWORD@]HOST:PORT [--concurrency N] [--lock-ms MS]",
  options: {
    queue: { type: "string", valueName: "URL", required: true, description: "the Redis server holding the queue: redis://[:password@]host:port[/db], or rediss:// for TLS" },
    concurrency: { type: "integer", valueName: "N", default: 1, description: "jobs trained at once, each in its own thread (about one per core)" },
    "lock-ms": { type: "integer", valueName: "MS", default: 30000, description: "job lock lifetime: a job whose worker dies is retried by another after this long" },
  },
  async run(options) {
    const url = options.queue as string;
    try {
      checkRedisUrl(url, "--queue");
    } catch (error) {
      throw new UsageError(`mlleaks worker: ${(error as Error).message}`);
    }
    for (const name of ["concurrency", "lock-ms"]) {
      const value = options[name] as number;
      if (!(Number.isInteger(value) && value >= 1)) throw new UsageError(`mlleaks worker: --${name} expects a positive integer, got ${value}`);
    }
    const log = (message: string) => void process.stderr.write(`mlleaks worker: ${message}\n`);
    const worker = await startQueueWorker(url, { concurrency: options.concurrency as number, lockMs: options["lock-ms"] as number, log });
    log(`serving ${redactRedisUrl(url)} with ${options.concurrency} thread${options.concurrency === 1 ? "" : "s"} (stop with Ctrl-C)`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    log(`stopping after the jobs in hand; ${worker.trained()} trained`);
    await worker.close();
    return 0;
  },
};
