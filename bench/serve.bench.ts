// npm run bench:serve: latency of small requests to `mlleaks serve` (a child process, as deployed)
// when idle and while three hostile 7 MB nested-array bodies ([[[[...) are in flight, each resent
// as soon as it is answered. Small requests come from autocannon; their response times give
// p50/p95/p99. Target (issue 14): p95 under load within 10x of idle, or under 250 ms.
// Environment: MLLEAKS_BENCH_SECONDS (default 5 per phase), MLLEAKS_BENCH_CONNECTIONS (default 4),
// MLLEAKS_SERVE_BIN (another build's dist/src/cli/bin.js, to compare before/after a change).
import { spawn } from "node:child_process";
import { request } from "node:http";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
// @ts-expect-error autocannon ships no types; the calls below follow its README.
import autocannon from "autocannon";

const SECONDS = Number(process.env.MLLEAKS_BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.MLLEAKS_BENCH_CONNECTIONS ?? 4);
const HOSTILE_BYTES = 7 * 1024 * 1024;

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

async function smallRequests(): Promise<{ p50: number; p95: number; p99: number; count: number; errors: number }> {
  const times: number[] = [];
  let errors = 0;
  const instance = autocannon({ url, method: "POST", headers: { "content-type": "application/json" }, body: small, connections: CONNECTIONS, duration: SECONDS });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status === 200) times.push(ms);
    else errors++;
  });
  await instance;
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), count: times.length, errors };
}

/** One hostile upload: a 7 MB body of '[' declared up front, written in 64 KB pieces. */
function hostileUpload(): Promise<number> {
  return new Promise((resolve) => {
    const piece = Buffer.alloc(64 * 1024, "[");
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": HOSTILE_BYTES } });
    let status = 0;
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on("end", () => resolve(status));
    });
    req.on("error", () => resolve(status));
    let written = 0;
    const write = () => {
      while (written < HOSTILE_BYTES) {
        written += piece.length;
        if (!req.write(piece)) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}

process.stderr.write(`serve bench: ${CONNECTIONS} connections x ${SECONDS} s per phase, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
await smallRequests(); // warm-up: wasm compiled, code paths hot
const idle = await smallRequests();
let running = true;
const hostileStatuses = new Map<number, number>();
const hostile = Array.from({ length: 3 }, async () => {
  while (running) {
    const status = await hostileUpload();
    hostileStatuses.set(status, (hostileStatuses.get(status) ?? 0) + 1);
  }
});
const loaded = await smallRequests();
running = false;
await Promise.all(hostile);
child.kill("SIGTERM");

const fmt = (x: number) => x.toFixed(1);
console.log("| small requests (20+20 rows) | p50 ms | p95 ms | p99 ms | answered | non-200 |");
console.log("|---|---:|---:|---:|---:|---:|");
console.log(`| idle | ${fmt(idle.p50)} | ${fmt(idle.p95)} | ${fmt(idle.p99)} | ${idle.count} | ${idle.errors} |`);
console.log(`| 3 hostile 7 MB nested bodies in flight | ${fmt(loaded.p50)} | ${fmt(loaded.p95)} | ${fmt(loaded.p99)} | ${loaded.count} | ${loaded.errors} |`);
const ratio = loaded.p95 / idle.p95;
console.log(`\np95 under hostile load / idle: ${ratio.toFixed(2)}x; hostile uploads answered: ${[...hostileStatuses].map(([s, n]) => `${n} x ${s || "connection closed"}`).join(", ")}`);
console.log(`target (p95 within 10x of idle or under 250 ms): ${ratio <= 10 || loaded.p95 < 250 ? "met" : "NOT met"}`);
