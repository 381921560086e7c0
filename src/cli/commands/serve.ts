// `mlleaks serve`: the edge leakage check (src/edge/) as a local HTTP service, through the Node
// adapter. Under Deno, `deno serve` takes dist/src/edge/index.js as it is.
import { createEdgePool } from "../../adapters/node/edge-pool.js";
import { serveFetch } from "../../adapters/node/http.js";
import { allowModelUrlPrefixes, createLeakageHandler, DEFAULT_LIMITS } from "../../edge/index.js";
import { UsageError, type CommandSpec } from "../args.js";

export const serveCommand: CommandSpec = {
  name: "serve",
  summary: "serve the edge leakage check over HTTP: POST posteriors as JSON, get the attacks' results",
  usage: "mlleaks serve [--port 8787] [--host 127.0.0.1] [--max-body-bytes N] [--max-rows N] [--allow-model-url PREFIX,...] [--workers N] [--queue N]",
  options: {
    port: { type: "integer", valueName: "PORT", default: 8787, description: "TCP port (0 picks a free one)" },
    host: { type: "string", valueName: "HOST", default: "127.0.0.1", description: "address to listen on (127.0.0.1: this machine only)" },
    "max-body-bytes": { type: "integer", valueName: "N", default: DEFAULT_LIMITS.maxBodyBytes, description: "largest request body accepted (413 beyond it)" },
    "max-rows": { type: "integer", valueName: "N", default: DEFAULT_LIMITS.maxRows, description: "most posterior rows accepted per side" },
    "allow-model-url": { type: "list", valueName: "PREFIX,...", description: "accept the model-URL request form for model URLs starting with these prefixes (default: refused)" },
    workers: { type: "integer", valueName: "N", description: `worker threads that answer bodies over ${DEFAULT_LIMITS.offloadAboveBytes / 1024} KiB, off the event loop (default: the number of cores)` },
    queue: { type: "integer", valueName: "N", max: 1024, description: "large bodies that may wait for a worker (default 2 per worker); beyond it, 503 with Retry-After" },
  },
  async run(options) {
    const port = options.port as number;
    if (port < 0 || port > 65535) throw new UsageError(`mlleaks serve: --port expects 0 to 65535, got ${port}`);
    for (const name of ["max-body-bytes", "max-rows", "workers"]) {
      if (options[name] === undefined) continue;
      if ((options[name] as number) < 1) throw new UsageError(`mlleaks serve: --${name} expects a positive integer, got ${options[name]}`);
    }
    const prefixes = options["allow-model-url"] as string[] | undefined;
    for (const prefix of prefixes ?? []) {
      if (!/^https?:\/\/[^/]+\//.test(prefix)) throw new UsageError(`mlleaks serve: --allow-model-url expects http(s)://host/... prefixes (ending the host with /), got '${prefix}'`);
    }
    const queue = options.queue as number | undefined;
    if (queue !== undefined && queue < 0) throw new UsageError(`mlleaks serve: --queue expects 0 or more, got ${queue}`);
    const settings = { maxBodyBytes: options["max-body-bytes"] as number, maxRows: options["max-rows"] as number, ...(prefixes ? { allowModelUrlPrefixes: prefixes } : {}) };
    const pool = createEdgePool({ settings, ...(options.workers !== undefined ? { workers: options.workers as number } : {}), ...(queue !== undefined ? { maxQueue: queue } : {}) });
    const handler = createLeakageHandler({
      maxBodyBytes: settings.maxBodyBytes,
      maxRows: settings.maxRows,
      ...(prefixes ? { allowModelUrl: allowModelUrlPrefixes(prefixes) } : {}),
      offload: pool.offload,
    });
    const server = await serveFetch(handler, { hostname: options.host as string, port });
    process.stdout.write(`mlleaks leakage check listening on ${server.url} (POST JSON; Ctrl-C stops)\n`);
    await new Promise<void>((resolve) => {
      const stop = () => void Promise.all([server.close(), pool.close()]).then(() => resolve());
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return 0;
  },
};
