// npm run bench:serve: latency of small requests to `mlleaks serve` (a child process, as deployed)
// when idle, while three large legitimate bodies (7.6 MB: 18,000 rows a side, 10 classes, labels)
// compute, and while three hostile 7 MB nested-array bodies ([[[[...) are in flight, each large or
// hostile body resent as soon as it is answered. Small requests come from autocannon; their response times give
// p50/p95/p99. Target (issue 14): p95 under load within 10x of idle, or under 250 ms.
// Environment: MLLEAKS_BENCH_SECONDS (default 5 per phase), MLLEAKS_BENCH_CONNECTIONS (default 4),
// MLLEAKS_SERVE_BIN (another build's dist/src/cli/bin.js, to compare before/after a change).
import { spawn } from "node:child_process";
import { initKernels } from "../src/kernels/index.js";
import { posteriorsRequestBody } from "../test/runtimes/edge-requests.js";
import { request } from "node:http";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
// @ts-expect-error autocannon ships no types; the calls below follow its README.
import autocannon from "autocannon";

const SECONDS = Number(process.env.MLLEAKS_BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.MLLEAKS_BENCH_CONNECTIONS ?? 4);
const HOSTILE_BYTES = 7 * 1024 * 1024;
await initKernels();
const LARGE = Buffer.from(posteriorsRequestBody(18_000, 10));

const bin = process.env.MLLEAKS_SERVE_BIN ?? fileURLToPath(new URL("../src/cli/bin.js", import.meta.url));
const child = spawn(process.execPath, [bin, "serve", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise<string>((resolve, reject) => {
  child.once("exit", (code) => reject(new Error(`mlleaks serve exited with ${code}`)));
  child.stdout.on("data", (data: Buffer) => {
    const match = /listening on (\S+)/.exec(data.toString());
    if (match) resolve(match[1]!);
  });
});

const small = JSON.stringify({
  members: { posteriors: Array.from({ length: 20 }, (_, i) => [0.9 - (i % 5) * 0.1, 0.1 + (i % 5) * 0.1]) },
  nonMembers: { posteriors: Array.from({ length: 20 }, (_, i) => [0.6 - (i % 5) * 0.1, 0.4 + (i % 5) * 0.1]) },
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Small requests for one phase. A request still waiting when the phase ends (one per connection)
 * counts with the time it has waited so far, a lower bound: otherwise a server that stalls would
 * show the few fast answers it gave and hide the stall.
 */
async function smallRequests(): Promise<{ p50: number; p95: number; p99: number; count: number; errors: number; longestWait: number }> {
  const times: number[] = [];
  let errors = 0;
  const started = performance.now();
  const lastAnswer = new Map<unknown, number>();
  const instance = autocannon({ url, method: "POST", headers: { "content-type": "application/json" }, body: small, connections: CONNECTIONS, duration: SECONDS });
  instance.on("response", (client: unknown, status: number, _bytes: number, ms: number) => {
    lastAnswer.set(client, performance.now());
    if (status === 200) times.push(ms);
    else errors++;
  });
  await instance;
  const ended = performance.now();
  const count = times.length;
  const waits = [...lastAnswer.values()].map((at) => ended - at);
  while (waits.length < CONNECTIONS) waits.push(ended - started);
  times.push(...waits);
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), count, errors, longestWait: Math.max(...waits) };
}

/** One upload: `bytes` in 64 KB pieces (a declared length, then the body); resolves to the status. */
function upload(bytes: number, pieceAt: (offset: number) => Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": bytes } });
    let status = 0;
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on("end", () => resolve(status));
    });
    req.on("error", () => resolve(status));
    let written = 0;
    const write = () => {
      while (written < bytes) {
        const piece = pieceAt(written);
        written += piece.length;
        if (!req.write(piece)) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}

const openBrackets = Buffer.alloc(64 * 1024, "[");
const hostileUpload = () => upload(HOSTILE_BYTES, () => openBrackets);
const largeUpload = () => upload(LARGE.length, (offset) => LARGE.subarray(offset, offset + 64 * 1024));

/** Small requests' latencies while three copies of `send` run back to back; the statuses they got. */
async function underLoad(send: () => Promise<number>): Promise<{ small: Awaited<ReturnType<typeof smallRequests>>; statuses: Map<number, number> }> {
  let running = true;
  const statuses = new Map<number, number>();
  const senders = Array.from({ length: 3 }, async () => {
    while (running) {
      const status = await send();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  });
  const small = await smallRequests();
  running = false;
  await Promise.all(senders);
  return { small, statuses };
}

process.stderr.write(`serve bench: ${CONNECTIONS} connections x ${SECONDS} s per phase, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
await smallRequests(); // warm-up: wasm compiled, code paths hot
const idle = await smallRequests();
const large = await underLoad(largeUpload);
const hostile = await underLoad(hostileUpload);
child.kill("SIGTERM");

const fmt = (x: number) => x.toFixed(1);
const statuses = (counts: Map<number, number>) => [...counts].map(([s, n]) => `${n} x ${s || "connection closed"}`).join(", ");
console.log("| small requests (20+20 rows) | p50 ms | p95 ms | p99 ms | answered | non-200 | longest wait at the end ms | p95 / idle |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
console.log(`| idle | ${fmt(idle.p50)} | ${fmt(idle.p95)} | ${fmt(idle.p99)} | ${idle.count} | ${idle.errors} | ${fmt(idle.longestWait)} | 1.00 |`);
for (const [phase, { small }] of [["3 large legitimate 7.6 MB bodies computing", large], ["3 hostile 7 MB nested bodies in flight", hostile]] as const) {
  console.log(`| ${phase} | ${fmt(small.p50)} | ${fmt(small.p95)} | ${fmt(small.p99)} | ${small.count} | ${small.errors} | ${fmt(small.longestWait)} | ${(small.p95 / idle.p95).toFixed(2)} |`);
}
console.log(`\nlarge bodies answered: ${statuses(large.statuses)}; hostile uploads answered: ${statuses(hostile.statuses)}`);
const met = (p95: number) => (p95 / idle.p95 <= 10 || p95 < 250 ? "met" : "NOT met");
console.log(`target: small requests' p95 within 10x of idle or under 250 ms: large bodies ${met(large.small.p95)}, hostile bodies ${met(hostile.small.p95)}; load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} at the end`);
