// npm run paper's defence grid: every registered defence against every attack (label-only ones
// included) on each dataset, one table: test accuracy, the strongest attack's AUC and the best TPR
// at 0.1% FPR with their 95% intervals, the accountant's epsilon (DP-SGD) beside the largest
// empirical lower bound any attack proves, and whether the defence lowered the strongest AUC.
// Written to <out>/paper-defences.md and <out>/paper-defences/<dataset>/report.*; paper.ts calls it
// (`--only defences` runs only it).
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../src/adapters/node/fs.js";
import { audit, defaultModel, engineFor, type ExtraAttack, type JobRunner } from "../src/audit.js";
import type { AttackResult, Interval } from "../src/attacks/types.js";
import { writeReports } from "../src/cli/reports.js";
import type { Dataset } from "../src/datasets/index.js";
import { DEFENCES } from "../src/defences/registry.js";
import { fingerprintReport } from "../src/report/json.js";
import { tradeOffRows } from "../src/report/trade-off.js";
import type { AuditReport } from "../src/report/types.js";

export interface DefenceGridOptions {
  readonly datasets: readonly Dataset[];
  readonly seed: number;
  readonly epochs: number;
  /** Shokri's shadows and LiRA's / RMIA's reference models. */
  readonly shadows: number;
  readonly partSizeOf: (d: Dataset) => number;
  readonly runJobs: JobRunner;
  readonly out: string;
  readonly tfjsVersion: string;
  readonly log: (line: string) => void;
}

/** Every attack whose inputs a defended target can give (the CNN's LiRA and RMIA are left out: too slow here). */
const attacksFor = (d: Dataset): ExtraAttack[] => ["shokri", "loss", "modified-entropy", "correctness", "label-only-augmentation", ...(defaultModel(d) === "cnn" ? [] : (["lira", "rmia"] as ExtraAttack[]))];
/** DP-SGD trains on the fused engine only. */
const defencesFor = (d: Dataset) => DEFENCES.filter((name) => name !== "dp-sgd" || engineFor(defaultModel(d), "auto") === "fused");

const f3 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(3));
const ci = (i: Interval | null | undefined) => (i ? ` [${f3(i[0])}, ${f3(i[1])}]` : "");
const pct = (x: number | undefined) => (x === undefined ? "–" : `${(100 * x).toFixed(1)}%`);
/** The strongest AUC against the undefended run's, judged at the three decimals shown. */
function versusNone(auc: number | undefined, undefended: number | undefined): string {
  if (auc === undefined || undefended === undefined) return "–";
  const change = Number((auc - undefended).toFixed(3));
  return change < 0 ? `lowered (${change.toFixed(3)})` : `not lowered (${change > 0 ? "+" : ""}${Math.abs(change).toFixed(3)})`;
}

/** Runs the grid, writes its reports and markdown, and returns the markdown lines (for paper.md). */
export async function writeDefenceGrid(options: DefenceGridOptions): Promise<string[]> {
  const started = performance.now();
  const reports: AuditReport[] = [];
  for (const d of options.datasets) {
    const defences = defencesFor(d);
    options.log(`defence grid ${d.name}: ${defences.length} defences, parts of ${options.partSizeOf(d)}, ${options.shadows} shadows / reference models`);
    const report = await audit({
      dataset: d,
      seed: options.seed,
      adversaries: [1, 3],
      attacks: attacksFor(d),
      defences,
      partSize: options.partSizeOf(d),
      epochs: options.epochs,
      shadows: options.shadows,
      runJobs: options.runJobs,
      onProgress: (p) => p.detail.endsWith("trained") && options.log(`  ${d.name} ${p.done}/${p.total} ${p.detail}`),
    });
    await writeReports(report, join(options.out, "paper-defences", d.name), {}, { tfjs: options.tfjsVersion });
    reports.push(report);
  }
  const minutes = (performance.now() - started) / 60000;
  const lines = [
    "## Defences: the trade-off on the bundled sets",
    "",
    `Every registered defence, attacked by adversaries 1 and 3, Shokri, the metric attacks, the label-only ones (correctness, augmentation) and LiRA / RMIA; seed ${options.seed}, ${options.epochs} epochs, ${options.shadows} shadows and reference models; ${minutes.toFixed(1)} minutes. ` +
      "Strongest attack: highest AUC; best TPR: the highest TPR at 0.1% FPR over all attacks (95% DeLong / Clopper-Pearson intervals). " +
      "Empirical epsilon: the largest (epsilon, delta) lower bound any attack's ROC proves at the audit's delta; the accountant's (DP-SGD) must never be below it.",
    "",
  ];
  for (const report of reports) {
    lines.push(`### ${report.dataset?.name} (parts of ${report.dataset?.partSize}; fingerprint \`${(await fingerprintReport(report)).slice(0, 12)}\`)`, "");
    lines.push("| defence | test accuracy | strongest attack | AUC [95% CI] | best TPR @ 0.1% FPR [95% CI] | epsilon: accountant / empirical | strongest AUC vs none |", "|---|---:|---|---|---|---|---|");
    const rows = tradeOffRows(report.runs);
    const undefended = rows.find((r) => r.defence === "none")?.strongestAuc;
    rows.forEach((row, i) => {
      const run = report.runs[i]!;
      const strongest = run.attacks.find((a) => a.title === row.strongestAttack);
      const bestTpr = run.attacks.reduce<AttackResult | undefined>((best, a) => (!best || a.metrics.tprAtFpr["0.001"] > best.metrics.tprAtFpr["0.001"] ? a : best), undefined);
      const empirical = Math.max(...run.attacks.map((a) => a.metrics.statistics?.epsilon.value ?? 0));
      lines.push(
        `| ${row.defence} | ${pct(row.testAccuracy)} | ${row.strongestAttack ?? "–"} | ${f3(row.strongestAuc)}${ci(strongest?.metrics.statistics?.auc)} | ${f3(row.bestTprAtLowFpr)}${ci(bestTpr?.metrics.statistics?.tprAtFpr["0.001"])} (${bestTpr?.title ?? "–"}) | ${row.epsilon !== undefined ? row.epsilon.toFixed(2) : "–"} / ${empirical.toFixed(2)} | ${row.defence === "none" ? "–" : versusNone(row.strongestAuc, undefended)} |`,
      );
    });
    lines.push("");
  }
  await mkdir(options.out, { recursive: true });
  await writeFileAtomic(join(options.out, "paper-defences.md"), ["# Defence grid", "", ...lines.slice(2)].join("\n"));
  options.log(`wrote ${join(options.out, "paper-defences.md")} in ${minutes.toFixed(1)} minutes`);
  return lines;
}
