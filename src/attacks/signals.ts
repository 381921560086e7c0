// What LiRA and RMIA consume, as plain arrays (`mlleaks audit --save-signals FILE.npz`), so the
// papers' own scoring code can be rerun on mlleaks's models. Rows are the audited records, members
// first, then non-members. The archive is a stored (uncompressed) zip of .npy arrays, as numpy.savez.
import { zipSync } from "fflate";
import { encodeNpy } from "../datasets/npy.js";
import type { Posteriors } from "../types.js";
import type { AttackInputData, ReferenceModels } from "./types.js";

export interface AuditSignals {
  /** [N, C]: the target's posteriors on the audited records. */
  readonly targetPosteriors: Posteriors;
  /** M reference models' [N, C] posteriors on the same records. */
  readonly referencePosteriors: readonly Posteriors[];
  /** M masks of N: 1 where reference model m trained on record n. */
  readonly included: readonly Uint8Array[];
  readonly labels: Int32Array;
  /** N: 1 for the target's members. */
  readonly isMember: Uint8Array;
  /** RMIA's population, when the audit has one. */
  readonly population?: { readonly target: Posteriors; readonly references: readonly Posteriors[]; readonly labels: Int32Array };
  /**
   * LiRA's augmented queries (`--augmentations Q`, Q > 1): the target's and each reference model's
   * answers on the Q - 1 augmented copies of every record, copy-major ([(Q - 1) * N, C] each).
   */
  readonly augmented?: { readonly queries: number; readonly what: string; readonly target: Posteriors; readonly references: readonly Posteriors[] };
}

/** Two posteriors' rows, one after the other. */
export function concat(a: Posteriors, b: Posteriors): Posteriors {
  const values = new Float32Array(a.values.length + b.values.length);
  values.set(a.values);
  values.set(b.values, a.values.length);
  return { values, rows: a.rows + b.rows, classes: a.classes };
}

export function auditSignals(target: AttackInputData, references: ReferenceModels): AuditSignals {
  const n = target.members.rows + target.nonMembers.rows;
  const labels = new Int32Array(n);
  if (target.membersLabels && target.nonMembersLabels) {
    labels.set(target.membersLabels);
    labels.set(target.nonMembersLabels, target.members.rows);
  }
  const population = references.population && references.population.target.rows > 0 ? { population: references.population } : {};
  const augmented = references.augmented && references.augmented.queries > 1 ? { augmented: references.augmented } : {};
  return {
    targetPosteriors: concat(target.members, target.nonMembers),
    referencePosteriors: references.onTarget,
    included: references.included,
    labels,
    isMember: new Uint8Array(n).fill(1, 0, target.members.rows),
    ...population,
    ...augmented,
  };
}

/** Stacks equally shaped posteriors into one [M, rows, classes] float32 array. */
function stack(parts: readonly Posteriors[], rows: number, classes: number): { data: Float32Array; shape: number[] } {
  const data = new Float32Array(parts.length * rows * classes);
  parts.forEach((p, m) => data.set(p.values, m * rows * classes));
  return { data, shape: [parts.length, rows, classes] };
}

/** The signals as .npz bytes; array names and shapes are listed in the README ("Saved signals"). */
export function encodeSignalsNpz(signals: AuditSignals): Uint8Array {
  const { rows, classes } = signals.targetPosteriors;
  const models = signals.referencePosteriors.length;
  const inOut = new Uint8Array(models * rows);
  signals.included.forEach((mask, m) => inOut.set(mask, m * rows));
  const refs = stack(signals.referencePosteriors, rows, classes);
  const files: Record<string, [Uint8Array, { level: 0 }]> = {
    "target_posteriors.npy": [encodeNpy(signals.targetPosteriors.values, [rows, classes]), { level: 0 }],
    "reference_posteriors.npy": [encodeNpy(refs.data, refs.shape), { level: 0 }],
    "in_out.npy": [encodeNpy(inOut, [models, rows]), { level: 0 }],
    "labels.npy": [encodeNpy(signals.labels, [rows]), { level: 0 }],
    "membership.npy": [encodeNpy(signals.isMember, [rows]), { level: 0 }],
  };
  const population = signals.population;
  if (population) {
    const z = population.target.rows;
    const zRefs = stack(population.references, z, classes);
    files["population_target_posteriors.npy"] = [encodeNpy(population.target.values, [z, classes]), { level: 0 }];
    files["population_reference_posteriors.npy"] = [encodeNpy(zRefs.data, zRefs.shape), { level: 0 }];
    files["population_labels.npy"] = [encodeNpy(population.labels, [z]), { level: 0 }];
  }
  const augmented = signals.augmented;
  if (augmented) {
    // Copy k of record n sits at row k * N + n of each answer, so they reshape to [Q - 1, N, C].
    const copies = augmented.queries - 1;
    for (const [i, p] of [augmented.target, ...augmented.references].entries()) {
      if (p.rows !== copies * rows || p.classes !== classes) throw new Error(`save-signals: ${i === 0 ? "the target" : `reference model ${i - 1}`} answered ${p.rows} x ${p.classes} on the augmented copies, expected ${copies * rows} x ${classes}`);
    }
    const copiesRefs = stack(augmented.references, copies * rows, classes);
    files["augmented_target_posteriors.npy"] = [encodeNpy(augmented.target.values, [copies, rows, classes]), { level: 0 }];
    files["augmented_reference_posteriors.npy"] = [encodeNpy(copiesRefs.data, [models, copies, rows, classes]), { level: 0 }];
  }
  // A fixed timestamp keeps the bytes a function of the signals alone.
  return zipSync(files, { mtime: new Date("1980-01-01T00:00:00Z") });
}
