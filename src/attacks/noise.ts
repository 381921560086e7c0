// Adversary 3's noise queries: records drawn at random in the dataset's feature space, with no data
// at all: uniform pixels for images, random bits for binary features, standard normals for
// standardized numerics (and mixed tables, whose numerics are standardized), random unit-norm
// non-negative vectors for TF-IDF text.
import type { Pcg32 } from "../kernels/random.js";

export type NoiseFeatureKind = "pixels" | "binary" | "standardized" | "tfidf" | "mixed";

export const DEFAULT_NOISE_QUERIES = 1000;

export function noiseRecords(featureKind: NoiseFeatureKind, width: number, rows: number, rng: Pcg32): Float32Array {
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`noise queries: expected a positive integer count, got ${rows}`);
  const n = rows * width;
  switch (featureKind) {
    case "pixels":
      return Float32Array.from(rng.fillFloat64(n));
    case "binary":
      return Float32Array.from(rng.fillUint32(n), (u) => u >>> 31);
    case "standardized":
    case "mixed":
      return Float32Array.from(rng.fillNormal(n));
    case "tfidf": {
      const out = Float32Array.from(rng.fillFloat64(n));
      for (let r = 0; r < rows; r++) {
        const row = out.subarray(r * width, (r + 1) * width);
        let norm = 0;
        for (const v of row) norm += v * v;
        norm = Math.sqrt(norm) || 1;
        for (let i = 0; i < width; i++) row[i] = row[i]! / norm;
      }
      return out;
    }
  }
}
