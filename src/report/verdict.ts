// The verdict that opens every report: the worst attack by AUC and by TPR at 0.1% FPR (with their
// intervals), the largest empirical epsilon, the train-test gap, and one sentence a release manager
// can act on. Decided on the intervals' conservative ends, so a small sample never reads as a leak
// or as a clean bill of health it cannot support.
import type { AttackResult, Interval } from "../attacks/types.js";
import { worstSlice } from "../metrics/slices.js";
import type { AuditReport, AuditRun } from "./types.js";

export type RiskLevel = "high" | "measurable" | "not-detected";

export interface Verdict {
  /** The run (defence) the verdict is about: the first one, the model as trained without a defence. */
  readonly defence: string;
  readonly risk: RiskLevel;
  readonly sentence: string;
  readonly worstByAuc?: { readonly attack: string; readonly title: string; readonly auc: number; readonly interval?: Interval | null };
  /** By TPR at 0.1% FPR, or at 1% when 0.1% is not resolvable with this many non-members. */
  readonly worstAtLowFpr?: { readonly attack: string; readonly title: string; readonly fpr: number; readonly tpr: number; readonly interval?: Interval | null };
  readonly epsilon?: { readonly attack: string; readonly title: string; readonly value: number; readonly delta: number };
  readonly gap?: number;
  /** With canaries: the one-run audit's epsilon (Steinke, Nasr, Jagielski 2023) on the first run. */
  readonly oneRun?: { readonly attack: string; readonly value: number; readonly delta: number; readonly canaries: number; readonly guesses: number; readonly correct: number; readonly source: string };
  /** The slice (class, correct/incorrect, loss quartile) where an attack does best, with 10+ members and non-members. */
  readonly worstSlice?: { readonly attack: string; readonly title: string; readonly by: string; readonly slice: string; readonly auc: number; readonly interval?: Interval | null; readonly members: number; readonly nonMembers: number };
  readonly members: number;
  readonly nonMembers: number;
  readonly confidence?: number;
}

function lowFprKey(a: AttackResult): "0.001" | "0.01" {
  return a.metrics.nonMembers * 0.001 >= 1 ? "0.001" : "0.01";
}

export function verdictOf(report: AuditReport): Verdict {
  const run: AuditRun | undefined = report.runs[0];
  const attacks = run?.attacks ?? [];
  if (!run || attacks.length === 0) {
    return { defence: run?.defence ?? "none", risk: "not-detected", sentence: "No attack ran, so this report supports no claim about membership leakage.", members: 0, nonMembers: 0 };
  }
  const byAuc = attacks.reduce((w, a) => (a.metrics.auc > w.metrics.auc ? a : w));
  const byLowFpr = attacks.reduce((w, a) => (a.metrics.tprAtFpr[lowFprKey(a)] > w.metrics.tprAtFpr[lowFprKey(w)] ? a : w));
  const byEpsilon = attacks.reduce((w, a) => ((a.metrics.statistics?.epsilon.value ?? 0) > (w.metrics.statistics?.epsilon.value ?? 0) ? a : w));
  const fprKey = lowFprKey(byLowFpr);
  const fpr = Number(fprKey);
  const aucLow = byAuc.metrics.statistics?.auc?.[0] ?? byAuc.metrics.auc;
  const tprInterval = byLowFpr.metrics.statistics?.tprAtFpr[fprKey];
  const tprLow = tprInterval?.[0] ?? byLowFpr.metrics.tprAtFpr[fprKey];
  const epsilon = byEpsilon.metrics.statistics?.epsilon;
  const { members, nonMembers } = byAuc.metrics;
  const fmt = (x: number) => x.toFixed(3);
  let risk: RiskLevel;
  let sentence: string;
  // High: even the interval's lower end shows a strong attack, or one that picks out members at
  // ten times the rate of false alarms in the low-FPR regime.
  if (aucLow >= 0.6 || tprLow >= 10 * fpr) {
    risk = "high";
    sentence =
      `Do not release this model as it is: ${byLowFpr.title} identifies training members at ${fmt(byLowFpr.metrics.tprAtFpr[fprKey])} TPR with ${100 * fpr}% false positives, and ${byAuc.title} reaches AUC ${fmt(byAuc.metrics.auc)}; ` +
      `retrain with a defence (DP-SGD, stronger regularisation) and audit again.`;
  } else if (aucLow > 0.5 || (epsilon?.value ?? 0) > 0) {
    risk = "measurable";
    sentence =
      `Membership leaks measurably but weakly (best AUC ${fmt(byAuc.metrics.auc)}, its ${pctOf(byAuc)} interval above 0.5): release only if the training records are not sensitive, or apply a defence first.`;
  } else {
    risk = "not-detected";
    sentence =
      `No attack beat chance detectably with ${members} members and ${nonMembers} non-members; this is not a proof of privacy (stronger attacks or more records may still find leakage).`;
  }
  return {
    defence: run.defence,
    risk,
    sentence,
    worstByAuc: { attack: byAuc.name, title: byAuc.title, auc: byAuc.metrics.auc, ...(byAuc.metrics.statistics ? { interval: byAuc.metrics.statistics.auc } : {}) },
    worstAtLowFpr: { attack: byLowFpr.name, title: byLowFpr.title, fpr, tpr: byLowFpr.metrics.tprAtFpr[fprKey], ...(byLowFpr.metrics.statistics ? { interval: tprInterval ?? null } : {}) },
    ...(epsilon ? { epsilon: { attack: byEpsilon.name, title: byEpsilon.title, value: epsilon.value, delta: epsilon.delta } } : {}),
    ...(run.target.gap !== undefined ? { gap: run.target.gap } : {}),
    ...(run.oneRun
      ? { oneRun: { attack: run.oneRun.attack, value: run.oneRun.epsilon, delta: run.oneRun.delta, canaries: run.oneRun.canaries, guesses: run.oneRun.guesses, correct: run.oneRun.correct, source: run.oneRun.source } }
      : {}),
    ...worstSliceOf(attacks),
    members,
    nonMembers,
    ...(byAuc.metrics.statistics ? { confidence: byAuc.metrics.statistics.confidence } : {}),
  };
}

function worstSliceOf(attacks: readonly AttackResult[]): { worstSlice?: NonNullable<Verdict["worstSlice"]> } {
  let best: NonNullable<Verdict["worstSlice"]> | undefined;
  for (const a of attacks) {
    const s = worstSlice(a.slices ?? []);
    if (s && (!best || s.auc! > best.auc)) {
      best = { attack: a.name, title: a.title, by: s.by, slice: s.slice, auc: s.auc!, interval: s.aucInterval ?? null, members: s.members, nonMembers: s.nonMembers };
    }
  }
  return best ? { worstSlice: best } : {};
}

const pctOf = (a: AttackResult) => `${Math.round(100 * (a.metrics.statistics?.confidence ?? 0.95))}%`;

/** `0.772 [0.751, 0.793]`, or the bare figure without an interval. */
export function withInterval(value: number, interval: Interval | null | undefined, digits = 3): string {
  if (!Number.isFinite(value)) return "-";
  if (!interval || !Number.isFinite(interval[0]) || !Number.isFinite(interval[1])) return value.toFixed(digits);
  return `${value.toFixed(digits)} [${interval[0].toFixed(digits)}, ${interval[1].toFixed(digits)}]`;
}

/** The verdict as plain text lines (terminal, npm start). */
export function formatVerdict(v: Verdict): string[] {
  const lines = [`verdict (${v.defence === "none" ? "the model as trained" : `defence ${v.defence}`}): ${v.risk === "high" ? "HIGH RISK" : v.risk === "measurable" ? "measurable leakage" : "no leakage detected"}`];
  if (v.worstByAuc) lines.push(`  worst attack by AUC: ${v.worstByAuc.title}, AUC ${withInterval(v.worstByAuc.auc, v.worstByAuc.interval)}`);
  if (v.worstAtLowFpr) {
    lines.push(`  worst attack at ${100 * v.worstAtLowFpr.fpr}% FPR: ${v.worstAtLowFpr.title}, TPR ${withInterval(v.worstAtLowFpr.tpr, v.worstAtLowFpr.interval)}` + (v.worstAtLowFpr.fpr > 0.001 ? ` (0.1% FPR is not resolvable with ${v.nonMembers} non-members)` : ""));
  }
  if (v.epsilon) lines.push(`  empirical epsilon: >= ${v.epsilon.value.toFixed(2)} at delta ${v.epsilon.delta} (${v.epsilon.title}, ${Math.round(100 * (v.confidence ?? 0.95))}% confidence)`);
  if (v.oneRun) {
    const o = v.oneRun;
    lines.push(`  one-run audit: epsilon >= ${o.value.toFixed(2)} at delta ${o.delta} (${o.canaries} canaries, ${o.correct} of ${o.guesses} abstaining guesses right, ${o.attack}, ${Math.round(100 * (v.confidence ?? 0.95))}% confidence)`);
  }
  if (v.gap !== undefined) lines.push(`  train-test accuracy gap: ${(100 * v.gap).toFixed(1)} points`);
  if (v.worstSlice) {
    const w = v.worstSlice;
    lines.push(`  worst slice: ${w.by} ${w.slice} (${w.members} members, ${w.nonMembers} non-members), ${w.title}, AUC ${withInterval(w.auc, w.interval)}`);
  }
  lines.push(`  ${v.sentence}`);
  return lines;
}
