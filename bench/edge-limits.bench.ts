// npm run bench:edge: what the edge check answers within an edge function's CPU budget. Sends the
// handler posteriors requests of growing size (10 classes, labels on both sides, every attack) and
// measures the CPU time of each answer (process.cpuUsage: parse, checks, attacks, JSON out), the
// median of MLLEAKS_BENCH_RUNS runs (default 7). Prints a Markdown table and the largest request
// answered within the budget (MLLEAKS_EDGE_BUDGET_MS, default 50), with its ratio to the budget.
import { loadavg } from "node:os";
import { createLeakageHandler } from "../src/edge/index.js";
import { initKernels } from "../src/kernels/index.js";
import { posteriorsRequestBody } from "../test/runtimes/edge-requests.js";

const RUNS = Number(process.env.MLLEAKS_BENCH_RUNS ?? 7);
const BUDGET_MS = Number(process.env.MLLEAKS_EDGE_BUDGET_MS ?? 50);
const CLASSES = 10;
const ROWS = [250, 500, 1000, 2000, 3000, 4000, 5000, 6000, 8000];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const handler = createLeakageHandler({ maxBodyBytes: 1 << 30, maxRows: 1 << 20 });

async function cpuMs(body: string): Promise<number> {
  const start = process.cpuUsage();
  const response = await handler(new Request("http://edge.bench/", { method: "POST", headers: { "content-type": "application/json" }, body }));
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`status ${response.status}`);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

await initKernels();
// Warm-up: the first answers pay for compiling the handler's code.
for (let i = 0; i < 5; i++) await cpuMs(posteriorsRequestBody(500, CLASSES));
process.stderr.write(`edge limits bench: ${RUNS} runs each, budget ${BUDGET_MS} ms CPU, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
console.log("| rows a side (x2, 10 classes, labels) | body bytes | CPU ms (median) | CPU / budget |");
console.log("|---:|---:|---:|---:|");
let largest: { rows: number; bytes: number; ms: number } | undefined;
for (const rows of ROWS) {
  const body = posteriorsRequestBody(rows, CLASSES);
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) times.push(await cpuMs(body));
  const ms = median(times);
  const bytes = new TextEncoder().encode(body).byteLength;
  console.log(`| ${rows} | ${bytes} | ${ms.toFixed(1)} | ${(ms / BUDGET_MS).toFixed(2)} |`);
  // Larger requests cost more: the first size over the budget ends the run of sizes that fit.
  if (ms <= BUDGET_MS && (largest?.rows ?? 0) === (ROWS[ROWS.indexOf(rows) - 1] ?? 0)) largest = { rows, bytes, ms };
}
console.log(
  largest
    ? `\nlargest within ${BUDGET_MS} ms of CPU: ${largest.rows} rows a side, ${largest.bytes} bytes, ${largest.ms.toFixed(1)} ms (${(largest.ms / BUDGET_MS).toFixed(2)} of the budget)`
    : `\nno request size tried fits in ${BUDGET_MS} ms of CPU`,
);
