// Seeded k-means (k-means++ initialisation, then Lloyd's iterations) for binary records, as
// Shokri et al. built Purchase-100's classes. Records are kept as lists of their set features, so
// a distance costs O(set features + k) rather than O(features).
import type { Pcg32 } from "../kernels/random.js";

export interface KMeansResult {
  /** Cluster of each record, 0..k-1. */
  readonly assignments: Int32Array;
  /** k x features, row-major. */
  readonly centers: Float64Array;
  readonly iterations: number;
  /** Sum of squared distances to the assigned centers. */
  readonly inertia: number;
  readonly converged: boolean;
}

export interface KMeansOptions {
  readonly k: number;
  readonly rng: Pcg32;
  readonly maxIterations?: number;
}

/** `features` is rows x cols of 0/1 values. Ties go to the lowest cluster index. */
export function kmeansBinary(features: Float32Array, rows: number, cols: number, { k, rng, maxIterations = 300 }: KMeansOptions): KMeansResult {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k-means: k must be a positive integer, got ${k}`);
  if (k > rows) throw new RangeError(`k-means: k = ${k} is more than the ${rows} records`);
  // Set features of each record (CSR layout).
  const offsets = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) {
    let nnz = 0;
    for (let c = 0; c < cols; c++) if (features[r * cols + c] !== 0) nnz++;
    offsets[r + 1] = offsets[r]! + nnz;
  }
  const indices = new Int32Array(offsets[rows]!);
  for (let r = 0, at = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (features[r * cols + c] !== 0) indices[at++] = c;

  const centers = new Float64Array(k * cols);
  const centerNorms = new Float64Array(k);
  const distanceTo = (r: number, j: number): number => {
    let dot = 0;
    for (let p = offsets[r]!; p < offsets[r + 1]!; p++) dot += centers[j * cols + indices[p]!]!;
    const d = offsets[r + 1]! - offsets[r]! - 2 * dot + centerNorms[j]!;
    return d > 0 ? d : 0;
  };
  const setCenterToRecord = (j: number, r: number): void => {
    centers.fill(0, j * cols, (j + 1) * cols);
    for (let p = offsets[r]!; p < offsets[r + 1]!; p++) centers[j * cols + indices[p]!] = 1;
    centerNorms[j] = offsets[r + 1]! - offsets[r]!;
  };

  // k-means++: each next center drawn with probability proportional to squared distance.
  const nearest = new Float64Array(rows).fill(Infinity);
  setCenterToRecord(0, Math.floor(rng.fillFloat64(1)[0]! * rows));
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const d = distanceTo(r, j - 1);
      if (d < nearest[r]!) nearest[r] = d;
      total += nearest[r]!;
    }
    let pick = rows - 1;
    if (total > 0) {
      let target = rng.fillFloat64(1)[0]! * total;
      for (let r = 0; r < rows; r++) {
        target -= nearest[r]!;
        if (target < 0) {
          pick = r;
          break;
        }
      }
    } else {
      pick = Math.floor(rng.fillFloat64(1)[0]! * rows);
    }
    setCenterToRecord(j, pick);
  }

  const assignments = new Int32Array(rows).fill(-1);
  const distances = new Float64Array(rows);
  const counts = new Int32Array(k);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    let changed = 0;
    for (let r = 0; r < rows; r++) {
      let best = 0;
      let bestDistance = distanceTo(r, 0);
      for (let j = 1; j < k; j++) {
        const d = distanceTo(r, j);
        if (d < bestDistance) {
          bestDistance = d;
          best = j;
        }
      }
      if (assignments[r] !== best) changed++;
      assignments[r] = best;
      distances[r] = bestDistance;
    }
    if (changed === 0) {
      converged = true;
      break;
    }
    // Means of the assigned records; an empty cluster takes the record farthest from its center.
    centers.fill(0);
    counts.fill(0);
    for (let r = 0; r < rows; r++) {
      const j = assignments[r]!;
      counts[j]!++;
      for (let p = offsets[r]!; p < offsets[r + 1]!; p++) centers[j * cols + indices[p]!]! += 1;
    }
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) {
        // Only from a cluster with records to spare, so no cluster is left empty in turn.
        let far = -1;
        for (let r = 0; r < rows; r++) {
          if (counts[assignments[r]!]! > 1 && (far === -1 || distances[r]! > distances[far]!)) far = r;
        }
        distances[far] = 0;
        counts[assignments[far]!]!--;
        for (let p = offsets[far]!; p < offsets[far + 1]!; p++) centers[assignments[far]! * cols + indices[p]!]! -= 1;
        assignments[far] = j;
        counts[j] = 1;
        for (let p = offsets[far]!; p < offsets[far + 1]!; p++) centers[j * cols + indices[p]!] = 1;
      }
    }
    for (let j = 0; j < k; j++) {
      let norm = 0;
      const inv = 1 / counts[j]!;
      for (let c = 0; c < cols; c++) {
        const v = centers[j * cols + c]! * inv;
        centers[j * cols + c] = v;
        norm += v * v;
      }
      centerNorms[j] = norm;
    }
  }
  let inertia = 0;
  for (let r = 0; r < rows; r++) inertia += distances[r]!;
  return { assignments, centers, iterations, inertia, converged };
}
