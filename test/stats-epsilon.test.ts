// Epsilon lower bounds: the one-run audit against its closed forms and the paper's algorithm's
// defining property, and both bounds against randomized response at a known epsilon (seeded), which
// no valid lower bound may exceed.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels, Pcg32, rocAnalysis } from "../src/kernels/index.js";
import { clopperPearson } from "../src/metrics/intervals.js";
import * as portable from "../src/util/portable-math.js";
import { oneRunAuditFromScores, oneRunEpsilon, oneRunPValue, rocEpsilonLowerBound } from "../src/metrics/epsilon.js";

const test = suite("statistics: epsilon lower bounds");
test.before(async () => {
  await initKernels();
});

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`);

test("one run, delta 0, every guess right: epsilon = logit(0.05^(1/r)) (Steinke et al.'s Theorem 3.1 in closed form)", () => {
  for (const r of [10, 100, 1000]) {
    const q = 0.05 ** (1 / r);
    close(oneRunEpsilon(r, r, r, 0, 0.95).epsilon, Math.log(q / (1 - q)), 1e-7, `r = ${r}`);
  }
  // At chance level nothing is proved.
  assert.is(oneRunEpsilon(1000, 100, 50, 1e-5).epsilon, 0);
});

test("one run, delta > 0: the bound is the largest epsilon whose p-value stays below 5%", () => {
  for (const [m, r, v] of [[1000, 100, 100], [1000, 1000, 1000], [10000, 500, 400], [1000, 200, 130]] as const) {
    const { epsilon } = oneRunEpsilon(m, r, v, 1e-5, 0.95);
    assert.ok(epsilon > 0, `${v}/${r} right proves something`);
    assert.ok(oneRunPValue(m, r, v, epsilon, 1e-5) < 0.05, "p-value below 5% at the bound");
    assert.ok(oneRunPValue(m, r, v, epsilon + 1e-6, 1e-5) >= 0.05, "and not above it");
    assert.ok(epsilon <= oneRunEpsilon(m, r, v, 0, 0.95).epsilon + 1e-9, "delta only weakens the bound");
  }
  // More canaries with the same guesses and delta: the delta * 2m term grows, the bound shrinks.
  assert.ok(oneRunEpsilon(100000, 100, 100, 1e-5).epsilon < oneRunEpsilon(1000, 100, 100, 1e-5).epsilon);
  assert.throws(() => oneRunEpsilon(10, 20, 5), /correct <= guesses <= canaries/);
});

/** Randomized response at epsilon: each canary's bit (in or out, probability 1/2) reported truthfully with probability e^eps / (1 + e^eps). */
function randomizedResponse(epsilon: number, m: number, seed: number): { scores: Float64Array; members: Uint8Array } {
  const rng = new Pcg32(seed);
  const inclusion = rng.fillFloat64(m);
  const truth = rng.fillFloat64(m);
  const keep = 1 / (1 + Math.exp(-epsilon));
  const members = Uint8Array.from(inclusion, (u) => (u < 0.5 ? 1 : 0));
  const scores = Float64Array.from(members, (b, i) => (truth[i]! < keep ? b : 1 - b));
  return { scores, members };
}

test("randomized response at a known epsilon (10 seeds): no bound exceeds it at 99.9%, at most 2 of 10 at 95%", () => {
  for (const epsilon of [1, 3]) {
    let exceeded = 0;
    for (let seed = 0; seed < 10; seed++) {
      const { scores, members } = randomizedResponse(epsilon, 2000, seed);
      const counts = rocAnalysis(scores, members).counts;
      const strict = [oneRunAuditFromScores(scores, members, 1e-5, 0.999).epsilon, rocEpsilonLowerBound(counts, 1e-5, 0.999).epsilon];
      for (const bound of strict) assert.ok(bound <= epsilon, `seed ${seed}: ${bound} <= true ${epsilon} at 99.9%`);
      const oneRun = oneRunAuditFromScores(scores, members, 1e-5, 0.95).epsilon;
      const roc = rocEpsilonLowerBound(counts, 1e-5, 0.95).epsilon;
      exceeded += Number(oneRun > epsilon) + Number(roc > epsilon);
      assert.ok(oneRun > 0.6 * epsilon && roc > 0.6 * epsilon, `seed ${seed}: ${oneRun}, ${roc} find most of ${epsilon}`);
    }
    // A 95% bound may exceed the truth in 5% of runs: 1 of the 20 bounds expected.
    assert.ok(exceeded <= 2, `${exceeded} of 20 bounds above the true epsilon ${epsilon}`);
  }
});

test("the ROC bound by hand: a perfect separation of 100 members and 100 non-members", () => {
  // One corner matters: tp = 100, fp = 0. FPR_hi = 1 - 0.025^(1/100) = FNR_hi, so
  // epsilon = log((1 - delta - FNR_hi) / FPR_hi).
  const scores = Float64Array.from({ length: 200 }, (_, i) => (i < 100 ? 1 + i : -i));
  const members = Uint8Array.from({ length: 200 }, (_, i) => (i < 100 ? 1 : 0));
  const bound = rocEpsilonLowerBound(rocAnalysis(scores, members).counts, 1e-5, 0.95);
  const hi = 1 - 0.025 ** (1 / 100);
  close(bound.epsilon, Math.log((1 - 1e-5 - hi) / hi), 1e-9, "epsilon");
  assert.is(bound.tp, 100);
  assert.is(bound.fp, 0);
  // Scores that say nothing prove nothing.
  const flat = rocEpsilonLowerBound(rocAnalysis(new Float64Array(200), members).counts);
  assert.is(flat.epsilon, 0);
});

test("the ROC bound's corner search = the exhaustive maximum over every threshold (seeded samples, ties)", () => {
  const rng = new Pcg32(12);
  for (const [n, levels] of [[300, 0], [500, 9], [2000, 0]] as const) {
    const u = rng.fillNormal(n);
    const members = Uint8Array.from(rng.fillUint32(n), (b) => b & 1);
    const scores = Float64Array.from(u, (x, i) => (levels ? Math.round(x * 2) : x) + 1.5 * members[i]!);
    const counts = rocAnalysis(scores, members).counts;
    let exhaustive = 0;
    for (let g = 0; g < counts.tp.length; g++) {
      const fprHi = clopperPearson(counts.fp[g]!, counts.negatives)[1];
      const fnrHi = clopperPearson(counts.positives - counts.tp[g]!, counts.positives)[1];
      for (const [num, den] of [[1 - 1e-5 - fnrHi, fprHi], [1 - 1e-5 - fprHi, fnrHi]]) if (num > 0 && den > 0) exhaustive = Math.max(exhaustive, portable.log(num / den));
    }
    assert.is(rocEpsilonLowerBound(counts, 1e-5, 0.95).epsilon, exhaustive, `n = ${n}`);
  }
});

test.run();
