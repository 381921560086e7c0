// Plain TypeScript twins of the ROC functions in ../roc.ts, written straight from the definitions
// (an index sort by score, then one walk), for tests to hold the kernels equal to and for the
// benchmark's baseline. No input checks: the wrappers do those.
import type { Confusion, RocCurve, Scores } from "../roc.js";

/** scikit-learn's _binary_clf_curve + roc_curve(drop_intermediate=False). */
export function referenceRocCurve(scores: Scores, members: Uint8Array): RocCurve {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const fps: number[] = [0];
  const tps: number[] = [0];
  const thresholds: number[] = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    if (members[i] === 1) tp++;
    else fp++;
    // A point at the last record of each run of equal scores.
    if (j === n - 1 || scores[order[j + 1]!] !== scores[i]) {
      tps.push(tp);
      fps.push(fp);
      thresholds.push(scores[i]!);
    }
  }
  return {
    fpr: Float64Array.from(fps, (x) => x / fp),
    tpr: Float64Array.from(tps, (x) => x / tp),
    thresholds: Float64Array.from(thresholds),
  };
}

/** Mann-Whitney U / (P N) with midranks for ties: the rank-sum AUC, ties counting one half. */
export function referenceAuc(scores: Scores, members: Uint8Array): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  let positives = 0;
  for (let j = 0; j < n; ) {
    let end = j;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[j]!]) end++;
    const midrank = (j + 1 + end + 1) / 2;
    for (let t = j; t <= end; t++) {
      if (members[order[t]!] === 1) {
        rankSum += midrank;
        positives++;
      }
    }
    j = end + 1;
  }
  const negatives = n - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function referenceTprAtFpr(scores: Scores, members: Uint8Array, maxFpr: number): number {
  const { fpr, tpr } = referenceRocCurve(scores, members);
  let best = 0;
  for (let i = 0; i < fpr.length; i++) if (fpr[i]! <= maxFpr) best = Math.max(best, tpr[i]!);
  return best;
}

export function referenceAttackerAdvantage(scores: Scores, members: Uint8Array): number {
  const { fpr, tpr } = referenceRocCurve(scores, members);
  let best = 0;
  for (let i = 0; i < fpr.length; i++) best = Math.max(best, tpr[i]! - fpr[i]!);
  return best;
}

export function referenceConfusionAt(scores: Scores, members: Uint8Array, threshold: number): Confusion {
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i]! >= threshold;
    if (members[i] === 1) predicted ? tp++ : fn++;
    else predicted ? fp++ : tn++;
  }
  return {
    tp, fp, tn, fn,
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: tp + fn > 0 ? tp / (tp + fn) : 0,
    accuracy: (tp + tn) / scores.length,
  };
}

/** numpy.percentile(values, q), method="linear", including numpy's two-sided _lerp. */
export function referencePercentile(values: Scores, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const virtual = (n - 1) * (q / 100);
  const below = Math.floor(virtual);
  const a = sorted[Math.min(Math.max(below, 0), n - 1)]!;
  const b = sorted[Math.min(Math.max(below + 1, 0), n - 1)]!;
  const t = virtual - below;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * DeLong et al. (1988) straight from the definition: psi(x, y) over every member-non-member pair,
 * the structural components V10 (per member) and V01 (per non-member), and
 * var = S10 / members + S01 / non-members with sample (n - 1) variances.
 */
export function referenceAucVariance(scores: Scores, members: Uint8Array): { auc: number; variance: number } {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) (members[i] === 1 ? pos : neg).push(scores[i]!);
  const psi = (x: number, y: number) => (x > y ? 1 : x === y ? 0.5 : 0);
  const v10 = pos.map((x) => neg.reduce((s, y) => s + psi(x, y), 0) / neg.length);
  const v01 = neg.map((y) => pos.reduce((s, x) => s + psi(x, y), 0) / pos.length);
  const auc = v10.reduce((s, v) => s + v, 0) / pos.length;
  const sampleVariance = (v: number[]) => v.reduce((s, x) => s + (x - auc) * (x - auc), 0) / (v.length - 1);
  const variance = pos.length > 1 && neg.length > 1 ? sampleVariance(v10) / pos.length + sampleVariance(v01) / neg.length : NaN;
  return { auc, variance };
}
