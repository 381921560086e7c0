// Confidence intervals: DeLong (kernel against the pairwise definition, and hand-computed values),
// Clopper-Pearson and the normal quantile against published values, and the seeded bootstrap as a
// cross-check of DeLong on a large sample.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { attackerAdvantage, auc, aucWithVariance, initKernels, Pcg32, rocAnalysis } from "../src/kernels/index.js";
import { referenceAucVariance } from "../src/kernels/reference/roc.js";
import { advantageInterval, bootstrapInterval, clopperPearson, delongInterval, logGamma, normalQuantile, regularizedBeta } from "../src/metrics/intervals.js";

const test = suite("statistics: intervals");
test.before(async () => {
  await initKernels();
});

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`);

test("DeLong by hand: members 0.9, 0.8, 0.4 against non-members 0.7, 0.4, 0.2 (a tie at 0.4)", () => {
  // V10 = 1, 1, 1.5/3; V01 = 2/3, 2.5/3, 1; AUC = 5/6; S10 = 1/12, S01 = 1/36; var = S10/3 + S01/3 = 1/27.
  const scores = Float64Array.from([0.9, 0.8, 0.4, 0.7, 0.4, 0.2]);
  const members = Uint8Array.from([1, 1, 1, 0, 0, 0]);
  const { auc: a, variance } = aucWithVariance(scores, members);
  close(a, 5 / 6, 1e-15, "AUC");
  close(variance, 1 / 27, 1e-15, "variance");
  const [lo, hi] = delongInterval(a, variance, 0.95);
  close(lo, 5 / 6 - 1.959963984540054 * Math.sqrt(1 / 27), 1e-12, "lower end");
  assert.is(hi, 1, "clipped to 1");
});

test("DeLong on Hanley and McNeil's (1982) CT ratings: AUC 0.893 as published, kernel = definition", () => {
  // Five-point ratings of 58 normal and 51 abnormal cases (Radiology 143:29-36, table 1).
  const normal = [33, 6, 6, 11, 2];
  const abnormal = [3, 2, 2, 11, 33];
  const scores: number[] = [];
  const flags: number[] = [];
  normal.forEach((count, rating) => { for (let i = 0; i < count; i++) { scores.push(rating + 1); flags.push(0); } });
  abnormal.forEach((count, rating) => { for (let i = 0; i < count; i++) { scores.push(rating + 1); flags.push(1); } });
  const s = Float64Array.from(scores);
  const m = Uint8Array.from(flags);
  const kernel = aucWithVariance(s, m);
  const reference = referenceAucVariance(s, m);
  close(kernel.auc, 0.893, 0.0005, "published AUC");
  close(kernel.auc, reference.auc, 1e-15, "AUC");
  close(kernel.variance, reference.variance, 1e-15, "variance");
});

test("DeLong kernel = the pairwise definition on seeded samples, f32 and f64, ties and none", () => {
  const rng = new Pcg32(10);
  for (const [n, levels] of [[7, 0], [50, 3], [301, 0], [400, 17]] as const) {
    const u = rng.fillFloat64(n);
    const bits = rng.fillUint32(n);
    const members = Uint8Array.from(bits, (b, i) => (i < 2 ? i : b & 1));
    const scores = Float64Array.from(u, (x, i) => (levels ? Math.floor(x * levels) : x) + 0.3 * members[i]!);
    for (const s of [scores, Float32Array.from(scores)]) {
      const kernel = aucWithVariance(s, members);
      const reference = referenceAucVariance(s, members);
      close(kernel.auc, reference.auc, 1e-12, `AUC n=${n}`);
      close(kernel.variance, reference.variance, 1e-12, `variance n=${n}`);
      assert.is(kernel.auc, auc(s, members), "the same AUC as auc()");
      assert.is(rocAnalysis(s, members).aucVariance, kernel.variance, "rocAnalysis carries the same variance");
    }
  }
  assert.ok(Number.isNaN(aucWithVariance(Float64Array.from([1, 0, 0.5]), Uint8Array.from([1, 0, 0])).variance), "one member: no variance");
});

test("the seeded bootstrap of the AUC contains DeLong's centre and is about as wide (4,000 records)", () => {
  const rng = new Pcg32(11);
  const n = 4000;
  const normal = rng.fillNormal(n);
  const members = Uint8Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 0));
  const scores = Float64Array.from(normal, (x, i) => x + 0.8 * members[i]!);
  const { auc: a, variance } = aucWithVariance(scores, members);
  const [dLo, dHi] = delongInterval(a, variance, 0.95);
  const [bLo, bHi] = bootstrapInterval(scores, members, auc, { seed: 3, resamples: 400, confidence: 0.95 });
  assert.ok(bLo < a && a < bHi, `bootstrap [${bLo}, ${bHi}] contains ${a}`);
  const ratio = (bHi - bLo) / (dHi - dLo);
  assert.ok(ratio > 0.8 && ratio < 1.25, `bootstrap width / DeLong width = ${ratio}`);
  const again = bootstrapInterval(scores, members, auc, { seed: 3, resamples: 400, confidence: 0.95 });
  assert.equal(again, [bLo, bHi], "the same seed gives the same interval");
});

test("the ranked advantage bootstrap equals the sort-per-resample one to the last bit (ties, -0/+0, unbalanced)", () => {
  const rng = new Pcg32(21);
  for (const [P, N, levels] of [[300, 40, 7], [25, 900, 0], [2, 2, 2]] as const) {
    const members = Uint8Array.from({ length: P + N }, (_, i) => (i < P ? 1 : 0));
    const noise = rng.fillNormal(P + N);
    // levels > 0: scores rounded onto a few values, so most records tie; one -0 and one +0.
    const scores = Float64Array.from(noise, (x, i) => {
      const s = x + 0.5 * members[i]!;
      return levels > 0 ? Math.round(s * levels) / levels : s;
    });
    scores[0] = -0;
    scores[P + N - 1] = 0;
    const options = { seed: 5, resamples: 200, confidence: 0.9 };
    assert.equal(advantageInterval(scores, members, options), bootstrapInterval(scores, members, attackerAdvantage, options), `${P} members, ${N} non-members`);
  }
});

test("Clopper-Pearson against published values (scipy.stats.binomtest(...).proportion_ci())", () => {
  const cases: [number, number, number, number, number][] = [
    [7, 10, 0.95, 0.3475471499400027, 0.9332604888222656],
    [50, 100, 0.95, 0.3983211295033011, 0.6016788704966989],
    [0, 10, 0.95, 0, 1 - 0.025 ** 0.1], // closed form at k = 0
    [10, 10, 0.95, 0.025 ** 0.1, 1], // and at k = n
  ];
  for (const [k, n, c, lo, hi] of cases) {
    const [l, h] = clopperPearson(k, n, c);
    close(l, lo, 1e-9, `lower end of ${k}/${n}`);
    close(h, hi, 1e-9, `upper end of ${k}/${n}`);
  }
  // k = 1: the lower end solves 1 - (1 - p)^n = 0.05 in closed form.
  close(clopperPearson(1, 20, 0.9)[0], 1 - 0.95 ** (1 / 20), 1e-12, "lower end of 1/20 at 90%");
  assert.equal(clopperPearson(0, 0), [NaN, NaN]);
  assert.throws(() => clopperPearson(3, 2), /0 <= k <= n/);
  assert.throws(() => clopperPearson(1, 2, 1), /strictly between 0 and 1/);
});

test("normal quantile, log-gamma and the incomplete beta against known values", () => {
  close(normalQuantile(0.975), 1.959963984540054, 1e-14, "z 97.5%");
  close(normalQuantile(0.995), 2.5758293035489004, 1e-14, "z 99.5%");
  close(normalQuantile(1e-10), -6.361340902404056, 1e-12, "z 1e-10");
  close(normalQuantile(0.3), -0.5244005127080407, 1e-14, "z 30%");
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, "log Gamma(1/2)");
  close(logGamma(10), Math.log(362880), 1e-13, "log Gamma(10)");
  close(regularizedBeta(0.3, 1, 1), 0.3, 1e-15, "uniform cdf");
  close(regularizedBeta(0.5, 2, 2), 0.5, 1e-15, "symmetric beta at its median");
  close(regularizedBeta(0.2, 2, 3), 1 - 0.8 ** 4 - 4 * 0.2 * 0.8 ** 3, 1e-15, "Beta(2,3) cdf = P[Binomial(4, 0.2) >= 2]");
});

test.run();
