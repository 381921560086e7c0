// Attack-R (Ye et al., CCS 2022, "reference attack"): a threshold per record, from the losses that
// reference models which never trained on that record give it. The score of a record is the
// fraction of those OUT losses at or above the target's loss on it (ties half); member when the
// target's loss sits at or below the alpha-quantile of its OUT losses.
import { fractionAtOrAbove, rowLoss } from "./attack-p.js";
import { requireReferences } from "./lira.js";
import { DEFAULT_QUANTILE_ALPHA } from "./quantile.js";
import type { AttackContext, AttackInputData, AttackScores, AttackStrategy } from "./types.js";

export function attackR(alpha = DEFAULT_QUANTILE_ALPHA): AttackStrategy {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`attack-r: alpha must lie in (0, 1), got ${alpha}`);
  const name = "attack-r";
  return {
    name,
    title: `Attack-R (Ye et al., per-record thresholds from OUT reference models, alpha ${alpha})`,
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const { refs, labels } = requireReferences(name, target, context);
      const scores = new Float64Array(labels.length);
      let untested = 0;
      for (let r = 0; r < labels.length; r++) {
        const member = r < target.members.rows;
        const loss = rowLoss(member ? target.members : target.nonMembers, member ? target.membersLabels! : target.nonMembersLabels!, member ? r : r - target.members.rows);
        const out: number[] = [];
        refs.onTarget.forEach((p, m) => {
          if (!refs.included[m]![r]) out.push(rowLoss(p, labels, r));
        });
        // No OUT model for this record: no threshold, the neutral score leaves it undecided.
        if (out.length === 0) untested++;
        scores[r] = out.length === 0 ? 0.5 : fractionAtOrAbove(Float64Array.from(out).sort(), loss);
      }
      return {
        members: scores.slice(0, target.members.rows),
        nonMembers: scores.slice(target.members.rows),
        threshold: 1 - alpha,
        thresholdRule: `loss at or below the ${alpha} quantile of the OUT reference models' losses on the same record (${refs.onTarget.length} reference models${untested > 0 ? `; ${untested} records had no OUT model` : ""})`,
      };
    },
  };
}
