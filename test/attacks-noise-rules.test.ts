// Adversary 3's data-drawn noise: "marginal" takes each feature's value from a record of the
// attacker's data (so sparse binary data gives equally sparse noise), "uniform" stays in each
// feature's observed range; both seeded; the paper's rule stays the default.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { resolveAuditConfig } from "../src/audit.js";
import { dataNoiseRecords, noiseRecords } from "../src/attacks/noise.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { loadDataset } from "../src/datasets/index.js";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";

const test = suite("attacks: adversary 3's noise rules");
test.before(async () => {
  await initKernels();
});

// 400 records, 6 features: feature j is 1 with probability (j + 1) / 20, so every feature is sparse.
const width = 6;
const records = 400;
let data: Float32Array;
test.before(() => {
  data = Float32Array.from(new Pcg32(9).fillFloat64(records * width), (u, k) => (u < ((k % width) + 1) / 20 ? 1 : 0));
});

test("marginal noise: every value is one of its feature's values, and each feature keeps its frequency", () => {
  const rows = 4000;
  const noise = dataNoiseRecords("marginal", data, records, width, rows, new Pcg32(1));
  assert.is(noise.length, rows * width);
  for (let j = 0; j < width; j++) {
    let inData = 0;
    for (let r = 0; r < records; r++) inData += data[r * width + j]!;
    let inNoise = 0;
    for (let r = 0; r < rows; r++) {
      const v = noise[r * width + j]!;
      assert.ok(v === 0 || v === 1, `feature ${j}: ${v} is a value of the data`);
      inNoise += v;
    }
    const p = inData / records;
    // Binomial(4000, p): 5 standard deviations.
    assert.ok(Math.abs(inNoise / rows - p) < 5 * Math.sqrt((p * (1 - p)) / rows), `feature ${j}: noise frequency ${inNoise / rows} vs data ${p}`);
  }
  // The paper's rule on binary features sets half the bits: far denser than this data.
  const paper = noiseRecords("binary", width, rows, new Pcg32(1));
  assert.ok(paper.reduce((a, b) => a + b, 0) / paper.length > 0.45);
});

test("uniform noise stays in each feature's observed range; both rules are seeded", () => {
  const mixed = Float32Array.from(new Pcg32(4).fillNormal(records * width), (x, k) => x * ((k % width) + 1));
  const noise = dataNoiseRecords("uniform", mixed, records, width, 500, new Pcg32(2));
  for (let j = 0; j < width; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < records; r++) {
      lo = Math.min(lo, mixed[r * width + j]!);
      hi = Math.max(hi, mixed[r * width + j]!);
    }
    for (let r = 0; r < 500; r++) {
      const v = noise[r * width + j]!;
      assert.ok(v >= lo && v <= hi, `feature ${j}: ${v} within [${lo}, ${hi}]`);
    }
  }
  assert.equal(dataNoiseRecords("uniform", mixed, records, width, 500, new Pcg32(2)), noise);
  assert.equal(dataNoiseRecords("marginal", data, records, width, 50, new Pcg32(3)), dataNoiseRecords("marginal", data, records, width, 50, new Pcg32(3)));
  assert.throws(() => dataNoiseRecords("marginal", data, records, 5, 10, new Pcg32(3)), /5-wide records/);
});

test("audit config: the paper's rule by default, a clear error for an unknown rule", async () => {
  const dna = await loadDataset("dna", { source: bundledDataSource() });
  assert.is(resolveAuditConfig({ dataset: dna, seed: 0 }).noise, undefined, "the paper's rule, left out of the config as a default");
  assert.is(resolveAuditConfig({ dataset: dna, seed: 0, noise: "marginal" }).noise, "marginal");
  // @ts-expect-error: an unknown rule, as a JavaScript caller could pass
  assert.throws(() => resolveAuditConfig({ dataset: dna, seed: 0, noise: "gaussian" }), /noise: expected one of paper, marginal, uniform, got 'gaussian'/);
});

test.run();
