// The results table printed on the terminal: one block per defence, one line per attack.
import { tradeOffRows } from "./trade-off.js";
import type { AuditReport } from "./types.js";

const f3 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(3));
const pct = (x: number | undefined): string => (x === undefined ? "-" : `${(100 * x).toFixed(1)}%`);

export function formatResultsTable(report: AuditReport): string {
  const lines: string[] = [];
  const header = ["attack", "precision", "recall", "accuracy", "AUC", "TPR@0.1%", "TPR@1%", "advantage"];
  for (const run of report.runs) {
    const t = run.target;
    const accuracy =
      t.trainAccuracy !== undefined && t.testAccuracy !== undefined
        ? `train ${pct(t.trainAccuracy)}, test ${pct(t.testAccuracy)}, gap ${pct(t.gap)}`
        : "accuracy unknown (no labels)";
    lines.push(`target ${t.kind}, defence ${run.defence}: ${accuracy}`);
    const rows = run.attacks.map((a) => {
      const m = a.metrics;
      return [a.title, f3(m.precision), f3(m.recall), f3(m.accuracy), f3(m.auc), f3(m.tprAtFpr["0.001"]), f3(m.tprAtFpr["0.01"]), f3(m.advantage)];
    });
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
    const format = (cells: string[]) => "  " + cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join("  ");
    lines.push(format(header));
    for (const row of rows) lines.push(format(row));
    lines.push("");
  }
  if (report.runs.length > 1) lines.push(...formatTradeOff(report), "");
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join("\n").trimEnd();
}

/** One line per defence: test accuracy, the strongest attack's AUC, the best TPR at 0.1% FPR, epsilon. */
function formatTradeOff(report: AuditReport): string[] {
  const header = ["defence", "test acc.", "strongest attack", "AUC", "TPR@0.1%", "epsilon (accountant)"];
  const rows = tradeOffRows(report.runs).map((r) => [
    r.defence,
    pct(r.testAccuracy),
    r.strongestAttack ?? "-",
    f3(r.strongestAuc),
    f3(r.bestTprAtLowFpr),
    r.epsilon !== undefined ? `${r.epsilon.toFixed(2)} at delta ${r.delta}` : "-",
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const format = (cells: string[]) => "  " + cells.map((c, j) => (j === 0 || j === 2 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join("  ");
  return ["trade-off (strongest attack by AUC; best TPR at 0.1% FPR over all attacks):", format(header), ...rows.map(format)];
}
