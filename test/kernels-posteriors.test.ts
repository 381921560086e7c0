import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  allocatePosteriors,
  correctness,
  crossEntropyLoss,
  entropy,
  initKernels,
  maxPosterior,
  modifiedEntropy,
  Pcg32,
  topK,
} from "../src/kernels/index.js";
import { posteriorSum } from "../src/kernels/posteriors.js";
import {
  referenceCorrectness,
  referenceCrossEntropyLoss,
  referenceEntropy,
  referenceMaxPosterior,
  referenceModifiedEntropy,
  referenceSumValues,
  referenceTopK,
} from "../src/kernels/reference/posteriors.js";
import { sha256Hex } from "../src/util/sha256.js";
import type { Posteriors } from "../src/types.js";
import { assertClose, randomLabels, randomPosteriors, tiedPosteriors } from "./kernels-fixtures.js";

const test = suite("posterior kernels");
test.before(async () => {
  await initKernels();
});

function checkAll(p: Posteriors, labels: Int32Array, what: string): void {
  for (const k of new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17, 32, 33, p.classes].filter((k) => k <= p.classes))) {
    assert.equal(Array.from(topK(p, k)), Array.from(referenceTopK(p, k)), `${what}: topK k=${k}`);
  }
  assert.equal(Array.from(maxPosterior(p)), Array.from(referenceMaxPosterior(p)), `${what}: maxPosterior`);
  assert.equal(Array.from(correctness(p, labels)), Array.from(referenceCorrectness(p, labels)), `${what}: correctness`);
  // Logarithms: wasm's own vs the host's Math.log, so equal to float32 rounding rather than bitwise.
  assertClose(entropy(p), referenceEntropy(p), `${what}: entropy`);
  assertClose(modifiedEntropy(p, labels), referenceModifiedEntropy(p, labels), `${what}: modifiedEntropy`);
  assertClose(crossEntropyLoss(p, labels), referenceCrossEntropyLoss(p, labels), `${what}: crossEntropyLoss`);
}

test("kernels equal their references on random posteriors, smooth and peaked, many shapes", () => {
  const rng = new Pcg32(11);
  for (const [rows, classes] of [[1, 1], [1, 2], [7, 3], [50, 4], [33, 7], [20, 8], [20, 9], [40, 10], [20, 16], [25, 17], [20, 100], [3, 257]] as const) {
    for (const peak of [0, 8, 40]) {
      const p = randomPosteriors(rng, rows, classes, peak);
      checkAll(p, randomLabels(rng, rows, classes), `${rows}x${classes} peak ${peak}`);
    }
  }
});

test("kernels equal their references on tie-heavy rows (repeated values, zeros, all equal)", () => {
  const rng = new Pcg32(12);
  for (const [rows, classes] of [[30, 2], [30, 5], [30, 8], [30, 16], [10, 40]] as const) {
    const p = tiedPosteriors(rng, rows, classes);
    checkAll(p, randomLabels(rng, rows, classes), `tied ${rows}x${classes}`);
  }
  const uniform: Posteriors = { values: new Float32Array(6 * 8).fill(1 / 8), rows: 6, classes: 8 };
  checkAll(uniform, new Int32Array([0, 1, 2, 3, 7, 7]), "all equal");
  // All equal: argmax is class 0, so only label 0 is correct.
  assert.equal(Array.from(correctness(uniform, new Int32Array([0, 1, 2, 3, 7, 0]))), [1, 0, 0, 0, 0, 1]);
  const single: Posteriors = { values: new Float32Array([1, 1, 1]), rows: 3, classes: 1 };
  checkAll(single, new Int32Array(3), "single class");
});

test("top-k's integer-ordered network: -0 is a valid zero, a negative value that keeps the sum at 1 is caught (full 8-column blocks)", () => {
  const classes = 20;
  const zeros = new Float32Array(3 * classes).fill(-0);
  zeros.set([0.5, -0, 0.25, 0, 0.25], 0); // -0 and +0 side by side
  zeros[classes + 17] = 1; // one-hot: its top 3 are 1 and two zeros, all others -0
  zeros.fill(0.05, 2 * classes, 3 * classes);
  zeros[2 * classes + 9] = -0;
  zeros[2 * classes + 10] = 0.1;
  const p: Posteriors = { values: zeros, rows: 3, classes };
  checkAll(p, new Int32Array([0, 17, 10]), "signed zeros");
  const negative = new Float32Array(classes);
  negative.set([1.25, 0, 0, 0, 0, -0.25]);
  for (const k of [1, 2, 3, 4]) assert.throws(() => topK({ values: negative, rows: 1, classes }, k), /posteriors row 0, class 5 is -0.25/);
  assert.throws(() => maxPosterior({ values: negative, rows: 1, classes }), /class 5 is -0.25/);
});

test("hand-computed values", () => {
  const p: Posteriors = { values: new Float32Array([0.5, 0.5, 0, 0.7, 0.2, 0.1, 0, 0, 1]), rows: 3, classes: 3 };
  assert.equal(Array.from(topK(p, 2)), [0.5, 0.5, Math.fround(0.7), Math.fround(0.2), 1, 0]);
  assert.equal(Array.from(maxPosterior(p)), [0.5, Math.fround(0.7), 1]);
  // Entropy: ln 2; -(0.7 ln 0.7 + 0.2 ln 0.2 + 0.1 ln 0.1); 0 (0 ln 0 = 0).
  assertClose(entropy(p), [Math.LN2, 0.8018185525433373, 0], "entropy", 1e-7);
  const labels = new Int32Array([1, 2, 0]);
  // Loss: -ln 0.5; -ln 0.1; -ln 1e-30 (p = 0 is clamped).
  assertClose(crossEntropyLoss(p, labels), [Math.LN2, -Math.log(0.1), 30 * Math.LN10], "loss", 1e-7);
  // Modified entropy, row 0 (y = 1): -(0.5 ln 0.5) - 0.5 ln 0.5 - 0 = ln 2.
  // Row 1 (y = 2): -(0.9 ln 0.1) - 0.7 ln 0.3 - 0.2 ln 0.8.
  // Row 2 (y = 0, p_y = 0): -(1 ln 1e-30) - 0 - 1 ln(max(0, 1e-30)) = 2 * 30 ln 10.
  assertClose(
    modifiedEntropy(p, labels),
    [Math.LN2, -0.9 * Math.log(0.1) - 0.7 * Math.log(0.3) - 0.2 * Math.log(0.8), 60 * Math.LN10],
    "modifiedEntropy",
    1e-6,
  );
  assert.equal(Array.from(correctness(p, labels)), [0, 0, 0]);
  assert.equal(Array.from(correctness(p, new Int32Array([0, 0, 2]))), [1, 1, 1]);
});

test("wasm logarithms give the same bits on every engine (hash fixed across Node and Deno)", async () => {
  const rng = new Pcg32(2026);
  const p = randomPosteriors(rng, 200, 10, 10);
  const labels = randomLabels(rng, 200, 10);
  const bytes = [entropy(p), modifiedEntropy(p, labels), crossEntropyLoss(p, labels)];
  const hashes = await Promise.all(bytes.map((x) => sha256Hex(x)));
  assert.equal(hashes, EXPECTED_HASHES);
});
const EXPECTED_HASHES = [
  "9db0287f481a210e5090ff391839d4c638fed9ce252f259061affd2fb49ecbf5",
  "4211ae2935a90684510c35a835d60a383d1c5d4791fa0c0cd5f88c44e51c6023",
  "7631034d869bbcddca6e93a99d2b9341972a365f996530c5f47c7cd786a8c2cf",
];

test("posteriors allocated in wasm memory are read in place and survive memory growth", () => {
  const rng = new Pcg32(13);
  const source = randomPosteriors(rng, 300, 10, 6);
  const labels = randomLabels(rng, 300, 10);
  const held = allocatePosteriors(300, 10);
  assert.equal(Array.from(held.values.subarray(0, 5)), [0, 0, 0, 0, 0]);
  held.values.set(source.values);
  assert.equal(Array.from(topK(held, 3)), Array.from(topK(source, 3)));
  // A large input grows memory (detaching old views) and fills the scratch arena: held must keep
  // its values, and its `values` view must follow the new buffer.
  const big = randomPosteriors(rng, 20000, 50);
  assert.equal(Array.from(maxPosterior(big)), Array.from(referenceMaxPosterior(big)));
  assert.equal(Array.from(held.values), Array.from(source.values));
  assertClose(modifiedEntropy(held, labels), referenceModifiedEntropy(source, labels), "held modifiedEntropy");
  held.release();
  assert.throws(() => held.values, /released/);
  assert.throws(() => allocatePosteriors(0, 3), /allocatePosteriors: rows must be a positive integer, got 0/);
});

test("the memory-read baseline's SIMD sum equals its reference bit for bit (copied and in place, with tails)", () => {
  const rng = new Pcg32(8);
  for (const [rows, classes] of [[1, 1], [1, 15], [3, 16], [7, 10], [1000, 100], [33, 37]] as const) {
    const values = Float32Array.from(rng.fillFloat64(rows * classes), (u) => (u < 0.1 ? 0 : u * 1e-3 + (u > 0.99 ? 1e3 : 0)));
    const p: Posteriors = { values, rows, classes };
    const expected = referenceSumValues(p);
    assert.is(posteriorSum(p), expected, `${rows} x ${classes}`);
    const held = allocatePosteriors(rows, classes);
    held.values.set(values);
    assert.is(posteriorSum(held), expected, `${rows} x ${classes} in place`);
    held.release();
  }
  assert.throws(() => posteriorSum({ values: new Float32Array(5), rows: 2, classes: 2 }), /posteriors.values has 5 numbers/);
});

test("bad input gets an error naming the argument and the problem", () => {
  const good: Posteriors = { values: new Float32Array([0.25, 0.75, 0.5, 0.5]), rows: 2, classes: 2 };
  const labels = new Int32Array([0, 1]);
  const withValue = (i: number, x: number): Posteriors => {
    const values = good.values.slice();
    values[i] = x;
    return { ...good, values };
  };
  assert.throws(() => topK(withValue(2, NaN), 1), /posteriors row 1, class 0 is NaN/);
  assert.throws(() => entropy(withValue(3, Infinity)), /posteriors row 1, class 1 is Infinity/);
  assert.throws(() => maxPosterior(withValue(0, -0.25)), /posteriors row 0, class 0 is -0.25/);
  assert.throws(() => topK(withValue(1, 0.5), 2), /posteriors row 0 sums to 0.75, expected 1/);
  assert.throws(() => correctness({ values: new Float32Array([2, -1]), rows: 1, classes: 2 }, new Int32Array(1)), /row 0, class 1 is -1/);
  assert.throws(() => topK({ ...good, rows: 3 }, 1), /posteriors.values has 4 numbers, expected rows \* classes = 3 \* 2 = 6/);
  assert.throws(() => topK({ values: new Float32Array(0), rows: 0, classes: 2 }, 1), /posteriors.rows must be a positive integer, got 0/);
  assert.throws(() => topK({ ...good, values: [0.5, 0.5] as unknown as Float32Array }, 1), /posteriors.values must be a Float32Array, got Array/);
  assert.throws(() => topK(good, 0), /k must be an integer from 1 to the number of classes \(2\), got 0/);
  assert.throws(() => topK(good, 3), /k must be an integer from 1 to the number of classes \(2\), got 3/);
  assert.throws(() => modifiedEntropy(good, new Int32Array([0, 2])), /labels\[1\] is 2, expected a class index from 0 to 1/);
  assert.throws(() => crossEntropyLoss(good, new Int32Array([-1, 0])), /labels\[0\] is -1/);
  assert.throws(() => correctness(good, new Int32Array(3)), /labels has 3 entries, expected one per posterior row \(2\)/);
  assert.throws(() => correctness(good, [0, 1] as unknown as Int32Array), /labels must be an Int32Array/);
});

test.run();
