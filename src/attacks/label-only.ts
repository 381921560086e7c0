// The label-only augmentation attack (Choquette-Choo et al., ICML 2021): a model tends to keep its
// training records' labels under small perturbations. The target is asked for perturbed copies of
// each record (images: horizontal flips and shifts of up to 2 pixels; tabular: each feature flipped
// (0/1) or jittered with probability `rate`); the score is the fraction of the record and its copies
// still classified as its true label. Only the predicted label is read, so any target works,
// including one that answers with a label (a one-hot posterior).
import { Pcg32 } from "../kernels/index.js";
import type { Posteriors } from "../types.js";
import type { AttackContext, AttackInputData, AttackScores, AttackStrategy } from "./types.js";

export const DEFAULT_AUGMENTATIONS = 8;
export const DEFAULT_FLIP_RATE = 0.1;
const MAX_SHIFT = 2;

/**
 * `copies` perturbed copies of every record, copy-major (copy k of record r at row k * rows + r).
 * Records of shape [h, w, c] are images; anything else is tabular.
 */
export function augmentedRecords(features: Float32Array, recordShape: readonly number[], copies: number, rate: number, seed: number): Float32Array {
  const width = recordShape.reduce((a, b) => a * b, 1);
  const rows = features.length / width;
  const out = new Float32Array(copies * features.length);
  const rng = new Pcg32(seed, 13);
  const image = recordShape.length === 3;
  for (let k = 0; k < copies; k++) {
    for (let r = 0; r < rows; r++) {
      const src = features.subarray(r * width, (r + 1) * width);
      const dst = out.subarray((k * rows + r) * width, (k * rows + r + 1) * width);
      if (image) {
        const [h, w, c] = recordShape as [number, number, number];
        const flip = k % 2 === 1;
        const [u, v] = rng.fillUint32(2) as unknown as [number, number];
        const dy = (u % (2 * MAX_SHIFT + 1)) - MAX_SHIFT;
        const dx = (v % (2 * MAX_SHIFT + 1)) - MAX_SHIFT;
        // Shifted in, zero padded.
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const sy = y - dy;
            const sx0 = x - dx;
            const sx = flip ? w - 1 - sx0 : sx0;
            if (sy < 0 || sy >= h || sx0 < 0 || sx0 >= w) continue;
            for (let ch = 0; ch < c; ch++) dst[(y * w + x) * c + ch] = src[(sy * w + sx) * c + ch]!;
          }
        }
      } else {
        const u = rng.fillFloat64(width);
        const noise = rng.fillNormal(width);
        for (let j = 0; j < width; j++) {
          const value = src[j]!;
          if (u[j]! >= rate) dst[j] = value;
          // A 0/1 feature flips; any other is jittered by a standard normal draw.
          else dst[j] = value === 0 || value === 1 ? 1 - value : value + noise[j]!;
        }
      }
    }
  }
  return out;
}

/** The target's answers on the augmented copies: copy-major, as augmentedRecords made them. */
export interface AugmentedAnswers {
  readonly members: Posteriors;
  readonly nonMembers: Posteriors;
  readonly copies: number;
}

function argmax(p: Posteriors, row: number): number {
  let best = 0;
  for (let c = 1; c < p.classes; c++) if (p.values[row * p.classes + c]! > p.values[row * p.classes + best]!) best = c;
  return best;
}

/** Per record: the fraction of the original and its copies classified as the true label. */
export function robustness(original: Posteriors, copies: Posteriors, count: number, labels: Int32Array): Float64Array {
  const rows = original.rows;
  if (copies.rows !== count * rows) throw new Error(`label-only-augmentation: ${copies.rows} answers on copies, expected ${count} x ${rows}`);
  return Float64Array.from({ length: rows }, (_, r) => {
    let kept = argmax(original, r) === labels[r] ? 1 : 0;
    for (let k = 0; k < count; k++) if (argmax(copies, k * rows + r) === labels[r]) kept++;
    return kept / (count + 1);
  });
}

export function labelOnlyAugmentationAttack(): AttackStrategy {
  const name = "label-only-augmentation";
  return {
    name,
    title: "Label-only augmentation (Choquette-Choo et al.)",
    needsLabels: true,
    async score(target: AttackInputData, context: AttackContext): Promise<AttackScores> {
      const augmented = context.augmented;
      if (!augmented) throw new Error(`attack ${name}: needs the target's answers on perturbed copies of the records (context.augmented)`);
      if (!target.membersLabels || !target.nonMembersLabels) throw new Error(`attack ${name}: needs the labels of members and non-members`);
      return {
        members: robustness(target.members, augmented.members, augmented.copies, target.membersLabels),
        nonMembers: robustness(target.nonMembers, augmented.nonMembers, augmented.copies, target.nonMembersLabels),
        threshold: 1,
        thresholdRule: `the record and all ${augmented.copies} perturbed copies keep the true label`,
      };
    },
  };
}
