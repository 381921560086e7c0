// Seeded synthetic records for the training tests: binary features that carry their label, so a
// model has something to learn in a few epochs.
import { Pcg32 } from "../src/kernels/random.js";
import type { LabeledData } from "../src/types.js";

/** Records whose features carry their label (so training has something to learn). */
export function synthetic(rows: number, recordShape: number[], numClasses: number, seed: number): LabeledData {
  const rng = new Pcg32(seed, 99);
  const size = recordShape.reduce((a, b) => a * b, 1);
  const labels = Int32Array.from(rng.fillUint32(rows), (u) => u % numClasses);
  const u = rng.fillFloat64(rows * size);
  const features = new Float32Array(rows * size);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < size; j++) features[i * size + j] = u[i * size + j]! < (j % numClasses === labels[i] ? 0.7 : 0.3) ? 1 : 0;
  }
  return { features, recordShape, labels, numClasses };
}
