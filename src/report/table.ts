// The results table printed on the terminal: the verdict first, then one block per defence (its
// sample, base rate and confidence level), one line per attack with intervals as `0.772 [0.751, 0.793]`,
// then the defences' trade-off.
import type { AttackResult } from "../attacks/types.js";
import { notLoweredLines, tradeOffRows } from "./trade-off.js";
import type { AuditReport } from "./types.js";
import { formatVerdict, verdictOf, withInterval } from "./verdict.js";

const f3 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(3));
const pct = (x: number | undefined): string => (x === undefined ? "-" : `${(100 * x).toFixed(1)}%`);

/** TPR at a fixed FPR with its interval, or why it cannot be given. */
export function tprCell(a: AttackResult, key: "0.001" | "0.01"): string {
  const s = a.metrics.statistics;
  if (s && s.tprAtFpr[key] === null) return "not resolvable";
  return withInterval(a.metrics.tprAtFpr[key], s?.tprAtFpr[key]);
}

export function formatResultsTable(report: AuditReport): string {
  const lines: string[] = [...formatVerdict(verdictOf(report)), ""];
  const header = ["attack", "AUC", "TPR@0.1% FPR", "TPR@1% FPR", "advantage", "precision", "prec.@50%", "recall", "epsilon"];
  for (const run of report.runs) {
    const t = run.target;
    const accuracy =
      t.trainAccuracy !== undefined && t.testAccuracy !== undefined
        ? `train ${pct(t.trainAccuracy)}, test ${pct(t.testAccuracy)}, gap ${pct(t.gap)}`
        : "accuracy unknown (no labels)";
    lines.push(`${t.kind === "external" ? "target: posteriors supplied by the caller" : `target ${t.kind}, defence ${run.defence}`}: ${accuracy}`);
    const first = run.attacks[0]?.metrics;
    if (first) {
      const s = first.statistics;
      lines.push(
        `  ${first.members} members, ${first.nonMembers} non-members (base rate ${pct(first.members / (first.members + first.nonMembers))})` +
          (s ? `; intervals at ${Math.round(100 * s.confidence)}%, epsilon lower bounds at delta ${s.epsilon.delta}` : ""),
      );
      const unresolvable = (["0.001", "0.01"] as const).filter((k) => Number(k) * first.nonMembers < 1);
      for (const k of unresolvable) lines.push(`  TPR at ${100 * Number(k)}% FPR is not resolvable with ${first.nonMembers} non-members (the lowest FPR they resolve is ${pct(1 / first.nonMembers)})`);
    }
    const rows = run.attacks.map((a) => {
      const m = a.metrics;
      const s = m.statistics;
      return [
        a.title,
        withInterval(m.auc, s?.auc),
        tprCell(a, "0.001"),
        tprCell(a, "0.01"),
        withInterval(m.advantage, s?.advantage),
        withInterval(m.precision, s?.precision),
        s ? f3(s.balancedPrecision) : "-",
        withInterval(m.recall, s?.recall),
        s ? s.epsilon.value.toFixed(2) : "-",
      ];
    });
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
    const format = (cells: string[]) => "  " + cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join("  ");
    lines.push(format(header));
    for (const row of rows) lines.push(format(row));
    for (const a of run.attacks) {
      const s = a.metrics.statistics;
      if (s?.degenerateThreshold) lines.push(`  ${a.title}: ${s.degenerateThreshold}`);
      if (s?.balanced) lines.push(`  ${a.title}: balanced by subsampling ${s.balanced.side} from ${s.balanced.from} to ${s.balanced.to} (seeded)`);
    }
    lines.push("");
  }
  if (report.runs.length > 1) lines.push(...formatTradeOff(report), "");
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join("\n").trimEnd();
}

/** One line per defence: test accuracy, the strongest attack's AUC, the best TPR at 0.1% FPR, epsilon. */
function formatTradeOff(report: AuditReport): string[] {
  const header = ["defence", "test acc.", "strongest attack", "AUC", "TPR@0.1%", "epsilon (accountant)"];
  const summary = tradeOffRows(report.runs);
  const rows = summary.map((r) => [
    r.defence,
    pct(r.testAccuracy),
    r.strongestAttack ?? "-",
    f3(r.strongestAuc),
    f3(r.bestTprAtLowFpr),
    r.epsilon !== undefined ? `${r.epsilon.toFixed(2)} at delta ${r.delta}` : "-",
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const format = (cells: string[]) => "  " + cells.map((c, j) => (j === 0 || j === 2 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join("  ");
  return ["trade-off (strongest attack by AUC; best TPR at 0.1% FPR over all attacks):", format(header), ...rows.map(format), ...notLoweredLines(summary).map((line) => `  ${line}`)];
}
