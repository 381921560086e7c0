// The defences' trade-off, one row per defence: the target's test accuracy against the strongest
// attack (highest AUC) and the highest TPR at 0.1% FPR over every attack, with DP-SGD's epsilon.
import type { AuditRun } from "./types.js";

export interface TradeOffRow {
  readonly defence: string;
  readonly testAccuracy: number | undefined;
  readonly strongestAttack: string | undefined;
  readonly strongestAuc: number | undefined;
  /** Highest TPR at 0.1% FPR over the attacks (not necessarily the strongest-AUC one's). */
  readonly bestTprAtLowFpr: number | undefined;
  readonly epsilon: number | undefined;
  readonly delta: number | undefined;
  /** Whether the strongest attack's AUC is below the undefended target's (undefined: no "none" run, or this is it). */
  readonly lowersStrongestAuc: boolean | undefined;
}

export function tradeOffRows(runs: readonly AuditRun[]): TradeOffRow[] {
  const rows = runs.map((run) => {
    const scored = run.attacks.filter((a) => Number.isFinite(a.metrics.auc));
    const strongest = scored.reduce<(typeof scored)[number] | undefined>((best, a) => (!best || a.metrics.auc > best.metrics.auc ? a : best), undefined);
    const tprs = run.attacks.map((a) => a.metrics.tprAtFpr["0.001"]).filter((t): t is number => t !== undefined && Number.isFinite(t));
    return {
      defence: run.defence,
      testAccuracy: run.target.testAccuracy,
      strongestAttack: strongest?.title,
      strongestAuc: strongest?.metrics.auc,
      bestTprAtLowFpr: tprs.length > 0 ? Math.max(...tprs) : undefined,
      epsilon: run.privacy?.epsilon,
      delta: run.privacy?.delta,
    };
  });
  const undefended = rows.find((r) => r.defence === "none")?.strongestAuc;
  return rows.map((r) => ({ ...r, lowersStrongestAuc: r.defence === "none" || undefended === undefined || r.strongestAuc === undefined ? undefined : r.strongestAuc < undefended }));
}

/** The trade-off's verdict on each defence that did not lower the strongest attack's AUC. */
export function notLoweredLines(rows: readonly TradeOffRow[]): string[] {
  const undefended = rows.find((r) => r.defence === "none")?.strongestAuc;
  return rows.filter((r) => r.lowersStrongestAuc === false).map((r) => `${r.defence} did not lower the strongest attack's AUC (${r.strongestAuc!.toFixed(3)}, undefended ${undefended!.toFixed(3)})`);
}
