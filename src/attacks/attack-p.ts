// Attack-P (Ye et al., CCS 2022, "population attack"): the loss attack with its threshold
// calibrated on the target's own losses on population records, records it never trained on. Ye et
// al. use one threshold for every record (the alpha-quantile of the population's losses), so the
// score of a record is the fraction of population losses at or above its loss: its AUC is the loss
// attack's; what it adds is a threshold whose FPR is alpha by construction.
import type { Posteriors } from "../types.js";
import { DEFAULT_QUANTILE_ALPHA } from "./quantile.js";
import * as portable from "../util/portable-math.js";
import type { AttackContext, AttackInputData, AttackScores, AttackStrategy } from "./types.js";

/** Cross-entropy loss of one row, in float64. */
export function rowLoss(p: Posteriors, labels: Int32Array, row: number): number {
  return -portable.log(Math.max(p.values[row * p.classes + labels[row]!]!, 1e-30));
}

export function rowLosses(p: Posteriors, labels: Int32Array): Float64Array {
  return Float64Array.from({ length: p.rows }, (_, r) => rowLoss(p, labels, r));
}

/** Fraction of `sorted` (ascending) at or above x, ties counted half: the p-value of x being this low. */
export function fractionAtOrAbove(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < sorted.length && sorted[end] === x) end++;
  return (sorted.length - end + (end - lo) / 2) / sorted.length;
}

export function attackP(alpha = DEFAULT_QUANTILE_ALPHA): AttackStrategy {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`attack-p: alpha must lie in (0, 1), got ${alpha}`);
  const name = "attack-p";
  return {
    name,
    title: `Attack-P (Ye et al., population-calibrated loss threshold, alpha ${alpha})`,
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const population = context.population;
      if (!population || population.labels.length === 0) throw new Error(`attack ${name}: needs the target's answers on population records (context.population)`);
      if (!target.membersLabels || !target.nonMembersLabels) throw new Error(`attack ${name}: needs the labels of members and non-members`);
      const sorted = rowLosses(population.target, population.labels).sort();
      const score = (p: Posteriors, labels: Int32Array) => Float64Array.from(rowLosses(p, labels), (loss) => fractionAtOrAbove(sorted, loss));
      return {
        members: score(target.members, target.membersLabels),
        nonMembers: score(target.nonMembers, target.nonMembersLabels),
        threshold: 1 - alpha,
        thresholdRule: `loss at or below the ${alpha} quantile of the target's losses on ${sorted.length} population records`,
      };
    },
  };
}
