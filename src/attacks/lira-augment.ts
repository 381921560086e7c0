// LiRA's augmented queries (Carlini et al. 2022, their code's multi-query variant): the target and
// every reference model are asked about each image record and about N - 1 augmented copies of it
// (a horizontal flip, then shifts of 1 to 4 pixels with reflected borders, flipped every other
// time), the same copies for every model. LiRA then fits its Gaussians per augmentation and
// averages the per-augmentation scores (lira.ts). Only images have such copies.
import { Pcg32 } from "../kernels/index.js";

export const MAX_LIRA_SHIFT = 4;

export interface ImageAugmentation {
  readonly flip: boolean;
  readonly dx: number;
  readonly dy: number;
}

/** Records of shape [h, w, c] are images; the error names the shape and what was expected. */
export function checkAugmentable(recordShape: readonly number[], augmentations: number): void {
  if (!(Number.isInteger(augmentations) && augmentations >= 1)) throw new RangeError(`augmentations: expected a positive integer (queries per record), got ${augmentations}`);
  if (augmentations > 1 && recordShape.length !== 3) {
    throw new RangeError(`augmentations: LiRA's augmented queries (flips and shifts) apply to images, records of shape [height, width, channels]; these records have shape ${JSON.stringify(recordShape)} (use augmentations 1)`);
  }
}

/** The N augmentations in query order: the record itself, its flip, then seeded shifts (flipped every other one). */
export function liraAugmentations(count: number, seed: number): ImageAugmentation[] {
  const rng = new Pcg32(seed, 19);
  return Array.from({ length: count }, (_, k) => {
    if (k < 2) return { flip: k === 1, dx: 0, dy: 0 };
    for (;;) {
      const [u, v] = rng.fillUint32(2) as unknown as [number, number];
      const dx = (u % (2 * MAX_LIRA_SHIFT + 1)) - MAX_LIRA_SHIFT;
      const dy = (v % (2 * MAX_LIRA_SHIFT + 1)) - MAX_LIRA_SHIFT;
      if (dx !== 0 || dy !== 0) return { flip: k % 2 === 1, dx, dy };
    }
  });
}

/** Index i of a row of length n after reflection at its ends (numpy's 'reflect' padding). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/**
 * The copies of every record for augmentations 1..N-1 (the first is the record itself, already
 * asked), copy-major: copy k of record r at row (k - 1) * rows + r.
 */
export function augmentImages(features: Float32Array, recordShape: readonly number[], augmentations: readonly ImageAugmentation[]): Float32Array {
  const [h, w, c] = recordShape as [number, number, number];
  const width = h * w * c;
  const rows = features.length / width;
  const out = new Float32Array((augmentations.length - 1) * features.length);
  augmentations.slice(1).forEach(({ flip, dx, dy }, k) => {
    for (let r = 0; r < rows; r++) {
      const src = r * width;
      const dst = (k * rows + r) * width;
      for (let y = 0; y < h; y++) {
        const sy = reflect(y - dy, h);
        for (let x = 0; x < w; x++) {
          const shifted = reflect(x - dx, w);
          const sx = flip ? w - 1 - shifted : shifted;
          for (let ch = 0; ch < c; ch++) out[dst + (y * w + x) * c + ch] = features[src + (sy * w + sx) * c + ch]!;
        }
      }
    }
  });
  return out;
}

export function describeAugmentations(augmentations: readonly ImageAugmentation[]): string {
  return augmentations.map((a) => (a.dx === 0 && a.dy === 0 ? (a.flip ? "flip" : "identity") : `${a.flip ? "flip+" : ""}shift(${a.dx},${a.dy})`)).join(", ");
}
