// Preloaded by bench/audit-e2e.bench.ts (node --import): writes the process's CPU time (every
// thread, workers included) to BENCH_CPU_FILE as it exits.
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_CPU_FILE;
if (file) process.on("exit", () => writeFileSync(file, JSON.stringify(process.cpuUsage())));
