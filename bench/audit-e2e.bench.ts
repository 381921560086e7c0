// npm run bench:audit: issue 16's end-to-end job, the fashion-mnist audit (adversaries 1 and 3,
// Shokri with 2 shadows, the defences none, dropout and stacking: 7 CNNs and an MLP on parts of
// 2,500 records, then the stacking meta model and every attack), as `mlleaks audit` runs it on this
// machine's cores. Each run is a fresh process, timed from start to exit: wall seconds and CPU
// seconds (every thread: process.cpuUsage() at exit, through a preloaded module).
//
// With BENCH_BASE_BIN (the base's dist/src/cli/bin.js) the base runs too, alternating with this
// build, and the ratio is of the medians measured in this run; without it, the ratio is to the
// base's figures quoted below. Issue 16 measured a PyTorch + scikit-learn implementation of the same
// job at the base's wall time on this machine, so the ratio to the base stands for the ratio to
// PyTorch; the goal is 2x.
// BENCH_EPOCHS (default 50, the audit's), BENCH_RUNS (runs of each build, default 1).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const BASE_BIN = process.env.BENCH_BASE_BIN;
if (!Number.isInteger(EPOCHS) || EPOCHS < 1) throw new Error(`BENCH_EPOCHS: expected a positive integer, got ${process.env.BENCH_EPOCHS}`);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`BENCH_RUNS: expected a positive integer, got ${process.env.BENCH_RUNS}`);
/** The base d91c48f at 50 epochs on this machine, quiet (2026-12-02; README, issue 16). */
const QUOTED_BASE = { epochs: 50, seconds: 235.1, cpuSeconds: 417 };
const GOAL = 2;

const here = fileURLToPath(new URL(".", import.meta.url));
const THIS_BIN = join(here, "..", "src", "cli", "bin.js");
const CPU_AT_EXIT = join(here, "cpu-at-exit.js");
const ARGS = ["audit", "--dataset", "fashion-mnist", "--adversary", "1,3", "--attacks", "shokri", "--shadows", "2", "--defence", "none,dropout,stacking", "--epochs", String(EPOCHS), "--json"];

interface Run {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly fingerprint: string;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function runAudit(bin: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "mlleaks-bench-audit-"));
  const cpuFile = join(dir, "cpu.json");
  return new Promise<Run>((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["--import", CPU_AT_EXIT, bin, ...ARGS, "--out", join(dir, "report")], {
      env: { ...process.env, BENCH_CPU_FILE: cpuFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - t0) / 1000;
      try {
        if (code !== 0) throw new Error(`${bin} exited with ${code}: ${stderr.slice(-2000)}`);
        const cpu = JSON.parse(readFileSync(cpuFile, "utf8")) as { user: number; system: number };
        const report = JSON.parse(stdout) as { fingerprint?: string };
        resolve({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, fingerprint: report.fingerprint ?? "?" });
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

const builds = [...(BASE_BIN ? [{ name: "base", bin: BASE_BIN }] : []), { name: "this build", bin: THIS_BIN }];
console.log(
  `bench:audit: fashion-mnist audit (adversaries 1,3; Shokri, 2 shadows; defences none, dropout, stacking), ${EPOCHS} epochs, ` +
    `${RUNS} run${RUNS === 1 ? "" : "s"} of ${builds.map((b) => b.name).join(" and ")}${builds.length > 1 ? ", alternating" : ""}; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`,
);
const runs = new Map<string, Run[]>(builds.map((b) => [b.name, []]));
for (let r = 0; r < RUNS; r++) {
  // Alternate which build goes first, so a load that grows or fades does not favour one.
  for (const build of r % 2 ? [...builds].reverse() : builds) {
    const run = await runAudit(build.bin);
    runs.get(build.name)!.push(run);
    console.log(`  ${build.name.padEnd(10)} ${run.seconds.toFixed(1).padStart(7)} s wall  ${run.cpuSeconds.toFixed(1).padStart(7)} CPU-s  fingerprint ${run.fingerprint.slice(0, 16)}  (load ${loadavg()[0]!.toFixed(1)})`);
  }
}
const summary = (name: string) => {
  const rs = runs.get(name)!;
  return { seconds: median(rs.map((r) => r.seconds)), cpuSeconds: median(rs.map((r) => r.cpuSeconds)) };
};
const mine = summary("this build");
const base = BASE_BIN ? summary("base") : EPOCHS === QUOTED_BASE.epochs ? QUOTED_BASE : undefined;
console.log(`  this build: median ${mine.seconds.toFixed(1)} s wall, ${mine.cpuSeconds.toFixed(1)} CPU-s`);
if (!base) {
  console.log(`  no base to compare with: set BENCH_BASE_BIN, or run at ${QUOTED_BASE.epochs} epochs for the quoted base figures`);
} else {
  const source = BASE_BIN ? "measured in this run" : "quoted: quiet machine, 2026-12-02";
  const wall = base.seconds / mine.seconds;
  console.log(`  base (${source}): ${base.seconds.toFixed(1)} s wall, ${base.cpuSeconds.toFixed(1)} CPU-s`);
  console.log(`  speed-up over the base: ${wall.toFixed(2)}x wall, ${(base.cpuSeconds / mine.cpuSeconds).toFixed(2)}x CPU`);
  console.log(`  vs PyTorch + scikit-learn (issue 16: the same wall time as the base): about ${wall.toFixed(2)}x; goal ${GOAL}x: ${wall >= GOAL ? "met" : "not met"}`);
}
