import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  attackerAdvantage,
  auc,
  confusionAt,
  initKernels,
  Pcg32,
  percentile,
  rocAnalysis,
  rocCurve,
  tprAtFpr,
} from "../src/kernels/index.js";
import {
  referenceAttackerAdvantage,
  referenceAuc,
  referenceConfusionAt,
  referencePercentile,
  referenceRocCurve,
  referenceTprAtFpr,
} from "../src/kernels/reference/roc.js";
import type { Scores } from "../src/kernels/index.js";

const test = suite("roc kernels");
test.before(async () => {
  await initKernels();
});

const f64 = (xs: number[]) => Float64Array.from(xs);
const flags = (xs: number[]) => Uint8Array.from(xs);
const curve = (c: { fpr: Float64Array; tpr: Float64Array; thresholds: Float64Array }) => ({
  fpr: Array.from(c.fpr),
  tpr: Array.from(c.tpr),
  thresholds: Array.from(c.thresholds),
});

test("hand-computed ROC without ties (what sklearn's roc_curve / roc_auc_score give)", () => {
  // Descending: 0.9 m, 0.8 m, 0.7 n, 0.6 m, 0.55 n, 0.4 n; P = N = 3.
  // roc_curve(drop_intermediate=False): tps 0,1,2,2,3,3,3; fps 0,0,0,1,1,2,3.
  const scores = f64([0.6, 0.9, 0.4, 0.8, 0.55, 0.7]);
  const members = flags([1, 1, 0, 1, 0, 0]);
  assert.equal(curve(rocCurve(scores, members)), {
    fpr: [0, 0, 0, 1 / 3, 1 / 3, 2 / 3, 1],
    tpr: [0, 1 / 3, 2 / 3, 2 / 3, 1, 1, 1],
    thresholds: [Infinity, 0.9, 0.8, 0.7, 0.6, 0.55, 0.4],
  });
  // Member-beats-non-member pairs: 3 + 3 + 2 of 9.
  assert.is(auc(scores, members), 8 / 9);
  // max(tpr - fpr) = 2/3, reached at 0.8 (2/3 - 0) and at 0.6 (1 - 1/3, one ulp larger in doubles).
  assert.is(attackerAdvantage(scores, members), 1 - 1 / 3);
  assert.is(tprAtFpr(scores, members, 0), 2 / 3);
  assert.is(tprAtFpr(scores, members, 0.34), 1);
  // sklearn's docstring example: y = [1, 1, 2, 2], scores [0.1, 0.4, 0.35, 0.8], pos_label = 2
  // gives fpr [0, 0, .5, .5, 1], tpr [0, .5, .5, 1, 1], thresholds [inf, .8, .4, .35, .1]; AUC .75.
  const doc = f64([0.1, 0.4, 0.35, 0.8]);
  const docMembers = flags([0, 0, 1, 1]);
  assert.equal(curve(rocCurve(doc, docMembers)), {
    fpr: [0, 0, 0.5, 0.5, 1],
    tpr: [0, 0.5, 0.5, 1, 1],
    thresholds: [Infinity, 0.8, 0.4, 0.35, 0.1],
  });
  assert.is(auc(doc, docMembers), 0.75);
});

test("hand-computed ROC with ties: one point per distinct score, ties count one half", () => {
  // Members score 0.5, 0.5, 0.9, 0.2; non-members 0.5, 0.2. P = 4, N = 2.
  // Distinct scores descending: 0.9 (1 m), 0.5 (2 m, 1 n), 0.2 (1 m, 1 n): sklearn groups each
  // into one point: tpr 0, .25, .75, 1; fpr 0, 0, .5, 1.
  const scores = Float32Array.from([0.5, 0.5, 0.5, 0.25, 0.875, 0.25]);
  const members = flags([1, 0, 1, 0, 1, 1]);
  assert.equal(curve(rocCurve(scores, members)), {
    fpr: [0, 0, 0.5, 1],
    tpr: [0, 0.25, 0.75, 1],
    thresholds: [Infinity, 0.875, 0.5, 0.25],
  });
  // Trapezoids: 0 + .5 * (.25 + .75) / 2 + .5 * (.75 + 1) / 2 = .6875. Pairs: the 0.875 member beats
  // both (2); each 0.5 member beats the 0.25 non-member and ties the 0.5 one (1.5 each); the 0.25
  // member ties the 0.25 non-member (.5): 5.5 / 8 = .6875.
  assert.is(auc(scores, members), 0.6875);
  assert.is(attackerAdvantage(scores, members), 0.25);
  assert.is(tprAtFpr(scores, members, 0.1), 0.25);
  assert.is(tprAtFpr(scores, members, 0.5), 0.75);
  // All scores equal: one point (1, 1) after (0, 0), AUC .5, no advantage, nothing at FPR < 1.
  const same = f64([3, 3, 3, 3]);
  const sameMembers = flags([1, 0, 0, 1]);
  assert.equal(curve(rocCurve(same, sameMembers)), { fpr: [0, 1], tpr: [0, 1], thresholds: [Infinity, 3] });
  assert.is(auc(same, sameMembers), 0.5);
  assert.is(attackerAdvantage(same, sameMembers), 0);
  assert.is(tprAtFpr(same, sameMembers, 0.99), 0);
  // -0 and +0 tie, as numpy compares them; negative scores order correctly.
  assert.equal(curve(rocCurve(f64([-0, 0, -1.5, -1e300]), flags([1, 0, 1, 0]))), {
    fpr: [0, 0.5, 0.5, 1],
    tpr: [0, 0.5, 1, 1],
    thresholds: [Infinity, 0, -1.5, -1e300],
  });
  // Two records, the member scored lower: AUC 0.
  assert.is(auc(f64([0.2, 0.7]), flags([1, 0])), 0);
});

test("confusionAt and percentile, by hand", () => {
  const scores = f64([0.6, 0.9, 0.4, 0.8, 0.55, 0.7]);
  const members = flags([1, 1, 0, 1, 0, 0]);
  // score >= 0.6: 0.9, 0.8, 0.6 members (tp 3), 0.7 a non-member (fp 1); tn 2, fn 0.
  assert.equal(confusionAt(scores, members, 0.6), { tp: 3, fp: 1, tn: 2, fn: 0, precision: 0.75, recall: 1, accuracy: 5 / 6 });
  // Nothing predicted a member: precision 0 (sklearn's zero_division default), recall 0.
  assert.equal(confusionAt(scores, members, Infinity), { tp: 0, fp: 0, tn: 3, fn: 3, precision: 0, recall: 0, accuracy: 0.5 });
  assert.equal(confusionAt(scores, members, -Infinity), { tp: 3, fp: 3, tn: 0, fn: 0, precision: 0.5, recall: 1, accuracy: 0.5 });
  // numpy.percentile([1, 2, 3, 4], q): 0 -> 1, 50 -> 2.5, 100 -> 4; [1..5] at 10 -> 1.4, at 90 -> 4.6.
  const four = Float32Array.from([4, 1, 3, 2]);
  assert.is(percentile(four, 0), 1);
  assert.is(percentile(four, 50), 2.5);
  assert.is(percentile(four, 100), 4);
  assert.ok(Math.abs(percentile(f64([5, 4, 3, 2, 1]), 10) - 1.4) < 1e-15);
  assert.ok(Math.abs(percentile(f64([5, 4, 3, 2, 1]), 90) - 4.6) < 1e-15);
  assert.is(percentile(f64([7]), 30), 7);
  assert.is(percentile(f64([-2, -2, -2]), 75), -2);
});

function randomScores(rng: Pcg32, n: number, kind: "f32" | "f64" | "tied" | "signed"): Scores {
  const u = rng.fillFloat64(n);
  if (kind === "f32") return Float32Array.from(u);
  if (kind === "tied") return Float32Array.from(u, (x) => Math.floor(x * 7) / 7);
  if (kind === "signed") return Float64Array.from(u, (x, i) => (x - 0.5) * 10 ** ((i % 9) - 4));
  return Float64Array.from(u);
}

test("kernels equal their references on random scores (f32, f64, heavy ties, mixed signs and scales)", () => {
  const rng = new Pcg32(21);
  for (const n of [2, 3, 17, 500, 5000]) {
    for (const kind of ["f32", "f64", "tied", "signed"] as const) {
      const scores = randomScores(rng, n, kind);
      const members = Uint8Array.from(rng.fillUint32(n), (x) => x & 1);
      members[0] = 1;
      members[n - 1] = 0;
      const what = `n=${n} ${kind}`;
      assert.equal(curve(rocCurve(scores, members)), curve(referenceRocCurve(scores, members)), `${what}: rocCurve`);
      assert.is(auc(scores, members), referenceAuc(scores, members), `${what}: auc`);
      assert.is(attackerAdvantage(scores, members), referenceAttackerAdvantage(scores, members), `${what}: advantage`);
      for (const fpr of [0, 0.001, 0.01, 0.1, 0.5, 1]) {
        assert.is(tprAtFpr(scores, members, fpr), referenceTprAtFpr(scores, members, fpr), `${what}: tprAtFpr(${fpr})`);
      }
      for (const q of [0, 1, 12.5, 50, 95, 99.9, 100]) {
        assert.is(percentile(scores, q), referencePercentile(scores, q), `${what}: percentile(${q})`);
      }
      const all = rocAnalysis(scores, members, [0.001, 0.01, 0.5]);
      assert.equal(curve(all.curve), curve(rocCurve(scores, members)), `${what}: rocAnalysis curve`);
      assert.is(all.auc, auc(scores, members));
      assert.is(all.attackerAdvantage, attackerAdvantage(scores, members));
      assert.equal(all.tprAtFpr, [0.001, 0.01, 0.5].map((f) => tprAtFpr(scores, members, f)));
      const threshold = percentile(scores, 40);
      assert.equal(confusionAt(scores, members, threshold), referenceConfusionAt(scores, members, threshold), `${what}: confusionAt`);
    }
  }
});

test("bad input gets an error naming the argument and the problem", () => {
  const scores = f64([0.1, 0.2, 0.3]);
  const members = flags([1, 0, 1]);
  assert.throws(() => auc(f64([0.1, NaN, 0.3]), members), /auc: scores\[1\] is NaN, expected a finite number/);
  assert.throws(() => rocCurve(Float32Array.from([Infinity, 0, 1]), members), /rocCurve: scores\[0\] is Infinity/);
  assert.throws(() => auc(scores, flags([1, 0])), /auc: scores has 3 entries but members has 2/);
  assert.throws(() => auc(f64([]), flags([])), /auc: scores is empty/);
  assert.throws(() => auc(scores, flags([1, 2, 0])), /auc: members\[1\] is 2, expected 0 \(non-member\) or 1 \(member\)/);
  assert.throws(() => auc(scores, flags([1, 1, 1])), /auc: members must contain both members \(1\) and non-members \(0\); got no non-members/);
  assert.throws(() => attackerAdvantage(scores, flags([0, 0, 0])), /got no members/);
  assert.throws(() => auc([0.1, 0.2] as unknown as Float64Array, members), /auc: scores must be a Float32Array or Float64Array, got Array/);
  assert.throws(() => auc(scores, [1, 0, 1] as unknown as Uint8Array), /members must be a Uint8Array/);
  assert.throws(() => tprAtFpr(scores, members, 1.5), /maxFpr must be a number from 0 to 1, got 1.5/);
  assert.throws(() => rocAnalysis(scores, members, [0.01, -1]), /rocAnalysis: maxFprs\[1\] must be a number from 0 to 1, got -1/);
  assert.throws(() => confusionAt(scores, members, NaN), /confusionAt: threshold must be a number, got NaN/);
  assert.throws(() => percentile(scores, 101), /percentile: q must be a number from 0 to 100, got 101/);
  assert.throws(() => percentile(f64([]), 50), /percentile: values is empty/);
  assert.throws(() => percentile(f64([1, NaN]), 50), /percentile: values\[1\] is NaN/);
});

test.run();
