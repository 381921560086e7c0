// The ML-Leaks split: four disjoint parts (target-train, target-out, shadow-train, shadow-out) drawn
// from one seeded permutation of the records, so the same seed gives the same parts everywhere.
import { Pcg32 } from "../kernels/random.js";
import type { LabeledData } from "../types.js";
import type { Dataset } from "./types.js";

/** PCG32 stream reserved for dataset splits, so a split never shares draws with a model using the same seed. */
export const SPLIT_STREAM = 0x5b1170;

export const SPLIT_PARTS = ["targetTrain", "targetOut", "shadowTrain", "shadowOut"] as const;
export type SplitPart = (typeof SPLIT_PARTS)[number];

export interface SplitOptions {
  readonly seed: number;
  /** Records in each part; default: a quarter of the records (rounded down). */
  readonly partSize?: number;
}

export interface MlLeaksSplit {
  readonly targetTrain: Dataset;
  readonly targetOut: Dataset;
  readonly shadowTrain: Dataset;
  readonly shadowOut: Dataset;
  /** Record indices into the full dataset of each part, ascending (for audits and reports). */
  readonly indices: Readonly<Record<SplitPart, Int32Array>>;
  readonly seed: number;
  readonly partSize: number;
}

/** Requires initKernels() to have finished (the permutation runs in the PCG32 kernel). */
export function mlLeaksSplit(dataset: Dataset, { seed, partSize }: SplitOptions): MlLeaksSplit {
  const n = dataset.labels.length;
  const size = partSize ?? Math.floor(n / 4);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`mlLeaksSplit: seed must be an integer from 0 to 2^53-1, got ${seed}`);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`mlLeaksSplit: partSize must be a positive integer, got ${size}`);
  if (4 * size > n) {
    throw new RangeError(`mlLeaksSplit: 4 parts of ${size} records need ${4 * size}, but ${dataset.name} has only ${n} (use partSize <= ${Math.floor(n / 4)})`);
  }
  const permutation = new Pcg32(seed, SPLIT_STREAM).permutation(n);
  const indices = {} as Record<SplitPart, Int32Array>;
  SPLIT_PARTS.forEach((part, p) => {
    indices[part] = permutation.slice(p * size, (p + 1) * size).sort();
  });
  assertDisjoint(indices, n);
  return {
    targetTrain: subsetDataset(dataset, indices.targetTrain, "target-train"),
    targetOut: subsetDataset(dataset, indices.targetOut, "target-out"),
    shadowTrain: subsetDataset(dataset, indices.shadowTrain, "shadow-train"),
    shadowOut: subsetDataset(dataset, indices.shadowOut, "shadow-out"),
    indices,
    seed,
    partSize: size,
  };
}

/** Throws unless every index is within the dataset and no record is in two parts. */
export function assertDisjoint(parts: Readonly<Record<string, Int32Array>>, records: number): void {
  const owner = new Int8Array(records).fill(-1);
  Object.entries(parts).forEach(([name, idx], p) => {
    for (const i of idx) {
      if (i < 0 || i >= records) throw new Error(`split part ${name} holds index ${i}, outside 0..${records - 1}`);
      if (owner[i] !== -1) throw new Error(`split parts are not disjoint: record ${i} is in ${Object.keys(parts)[owner[i]!]} and ${name}`);
      owner[i] = p;
    }
  });
}

/** The records at `indices`, in that order, as a Dataset named "<name>/<part>". */
export function subsetDataset<D extends LabeledData & { readonly name: string }>(dataset: D, indices: Int32Array, part: string): D {
  const width = dataset.recordShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(indices.length * width);
  const labels = new Int32Array(indices.length);
  indices.forEach((i, r) => {
    features.set(dataset.features.subarray(i * width, (i + 1) * width), r * width);
    labels[r] = dataset.labels[i]!;
  });
  return { ...dataset, name: `${dataset.name}/${part}`, features, labels };
}
