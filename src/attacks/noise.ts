// Adversary 3's noise queries: records drawn at random in the dataset's feature space, with no data
// at all: uniform pixels for images, random bits for binary features, standard normals for
// standardized numerics (and mixed tables, whose numerics are standardized), random unit-norm
// non-negative vectors for TF-IDF text.
import type { Pcg32 } from "../kernels/random.js";

export type NoiseFeatureKind = "pixels" | "binary" | "standardized" | "tfidf" | "mixed";

export const DEFAULT_NOISE_QUERIES = 1000;

/**
 * Where adversary 3's noise comes from: "paper" is the rule above (no data at all, the default);
 * "marginal" draws each feature independently from its values in data the attacker holds, so noise
 * is as sparse as the real records; "uniform" draws each feature uniformly between its minimum and
 * maximum in that data.
 */
export type NoiseRule = "paper" | "marginal" | "uniform";
export const NOISE_RULES: readonly NoiseRule[] = ["paper", "marginal", "uniform"];

/**
 * Noise from the attacker's own data (`features`, `records` rows of `width`): per feature, a value of
 * a random record ("marginal") or a uniform draw in the feature's observed range ("uniform").
 */
export function dataNoiseRecords(rule: "marginal" | "uniform", features: Float32Array, records: number, width: number, rows: number, rng: Pcg32): Float32Array {
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`noise queries: expected a positive integer count, got ${rows}`);
  if (records < 1 || features.length !== records * width) throw new RangeError(`${rule} noise: expected ${width}-wide records from the attacker's data, got ${features.length} values for ${records} records`);
  const u = rng.fillFloat64(rows * width);
  const out = new Float32Array(rows * width);
  if (rule === "marginal") {
    for (let k = 0; k < out.length; k++) out[k] = features[Math.floor(u[k]! * records) * width + (k % width)]!;
    return out;
  }
  const lo = features.slice(0, width);
  const hi = features.slice(0, width);
  for (let r = 1; r < records; r++) {
    for (let j = 0; j < width; j++) {
      const v = features[r * width + j]!;
      if (v < lo[j]!) lo[j] = v;
      if (v > hi[j]!) hi[j] = v;
    }
  }
  for (let k = 0; k < out.length; k++) out[k] = lo[k % width]! + u[k]! * (hi[k % width]! - lo[k % width]!);
  return out;
}

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
