// Turns an attack's scores into the figures every attack reports, through the ROC kernels:
// precision/recall/accuracy of the member class at the attack's own threshold, AUC, TPR at low
// FPR, attacker advantage, and a ROC curve small enough for a report.
import { attackerAdvantage, auc, confusionAt, rocCurve, tprAtFpr } from "../kernels/index.js";
import type { AttackMetrics, AttackScores, RocPoints } from "../attacks/types.js";

/** Members' scores then non-members', with the matching 1/0 membership vector. */
export function membershipVectors(scores: Pick<AttackScores, "members" | "nonMembers">): {
  scores: Float64Array;
  isMember: Uint8Array;
} {
  const all = new Float64Array(scores.members.length + scores.nonMembers.length);
  all.set(scores.members, 0);
  all.set(scores.nonMembers, scores.members.length);
  const isMember = new Uint8Array(all.length);
  isMember.fill(1, 0, scores.members.length);
  return { scores: all, isMember };
}

export function evaluateAttack(name: string, result: AttackScores): { metrics: AttackMetrics; roc: RocPoints } {
  if (result.members.length === 0 || result.nonMembers.length === 0) {
    throw new Error(`attack ${name}: needs at least one member and one non-member record`);
  }
  const { scores, isMember } = membershipVectors(result);
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]!)) {
      const which = i < result.members.length ? `member ${i}` : `non-member ${i - result.members.length}`;
      throw new Error(`attack ${name}: score of ${which} is NaN`);
    }
  }
  if (Number.isNaN(result.threshold)) throw new Error(`attack ${name}: threshold is NaN`);
  const confusion = confusionAt(scores, isMember, result.threshold);
  const metrics: AttackMetrics = {
    members: result.members.length,
    nonMembers: result.nonMembers.length,
    threshold: result.threshold,
    thresholdRule: result.thresholdRule,
    tp: confusion.tp,
    fp: confusion.fp,
    tn: confusion.tn,
    fn: confusion.fn,
    precision: confusion.precision,
    recall: confusion.recall,
    accuracy: confusion.accuracy,
    auc: auc(scores, isMember),
    tprAtFpr: { "0.001": tprAtFpr(scores, isMember, 0.001), "0.01": tprAtFpr(scores, isMember, 0.01) },
    advantage: attackerAdvantage(scores, isMember),
  };
  const curve = rocCurve(scores, isMember);
  return { metrics, roc: downsampleRoc(curve.fpr, curve.tpr) };
}

/**
 * Keeps a ROC point whenever it enters a new bucket of linear FPR, logarithmic FPR (40 a decade,
 * down to 1e-7) or linear TPR, plus the endpoints: at most about a thousand points, yet every
 * low-FPR step survives for log-log plots. Values are rounded to 1e-7 to keep reports small.
 */
export function downsampleRoc(fpr: ArrayLike<number>, tpr: ArrayLike<number>, linearBuckets = 200): RocPoints {
  const out: RocPoints = { fpr: [], tpr: [] };
  const n = fpr.length;
  let last = ["", "", ""];
  let lastKept = -1;
  for (let i = 0; i < n; i++) {
    const f = fpr[i]!;
    const t = tpr[i]!;
    const keys = [
      String(Math.floor(f * linearBuckets)),
      String(f <= 0 ? -Infinity : Math.floor(Math.log10(Math.max(f, 1e-7)) * 40)),
      String(Math.floor(t * linearBuckets)),
    ];
    const keep = i === 0 || i === n - 1 || keys.some((key, j) => key !== last[j]);
    if (!keep) continue;
    // Keep the step's corner too, so a plotted staircase stays exact where it matters.
    if (lastKept >= 0 && lastKept !== i - 1) {
      out.fpr.push(round(fpr[i - 1]!));
      out.tpr.push(round(tpr[i - 1]!));
    }
    out.fpr.push(round(f));
    out.tpr.push(round(t));
    last = keys;
    lastKept = i;
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e7) / 1e7;
}
