// LiRA's and RMIA's scores against plain transcriptions of the published formulas (LiRA: Carlini et
// al.'s code, test/lira-reference.ts, and the paper's offline one-sided test; Zarifzadeh et al. 2024's
// LR(x, z) and offline Pr(x)), attack-P/R, the quantile attack's and the label-only attack's pieces,
// on fixed seeded inputs.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { attackP, fractionAtOrAbove } from "../src/attacks/attack-p.js";
import { attackR } from "../src/attacks/attack-r.js";
import { liraAttack, normalQuantile, rmiaAttack } from "../src/attacks/lira.js";
import { fitQuantileRegressor, pinballLoss } from "../src/attacks/quantile.js";
import { augmentedRecords, robustness } from "../src/attacks/label-only.js";
import type { AttackInputData, ReferenceModels } from "../src/attacks/types.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import type { Posteriors } from "../src/types.js";
import { generateOurs, generateOursOffline, referenceScaledLogit } from "./lira-reference.js";

const test = suite("attack formulas (LiRA, RMIA, attack-P/R, quantile)");
test.before(async () => {
  await initKernels();
});

const CLASSES = 3;
const MEMBERS = 6;
const NON_MEMBERS = 5;
const N = MEMBERS + NON_MEMBERS;
const MODELS = 20;
const Z = 9;

function randomPosteriors(rng: Pcg32, rows: number): Posteriors {
  const u = rng.fillFloat64(rows * CLASSES);
  const values = new Float32Array(rows * CLASSES);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < CLASSES; c++) sum += Math.exp(4 * u[r * CLASSES + c]!);
    for (let c = 0; c < CLASSES; c++) values[r * CLASSES + c] = Math.exp(4 * u[r * CLASSES + c]!) / sum;
  }
  return { values, rows, classes: CLASSES };
}

function fixture() {
  const rng = new Pcg32(42, 1);
  const labels = Int32Array.from({ length: N }, (_, i) => i % CLASSES);
  const target: AttackInputData = { members: randomPosteriors(rng, MEMBERS), nonMembers: randomPosteriors(rng, NON_MEMBERS), membersLabels: labels.slice(0, MEMBERS), nonMembersLabels: labels.slice(MEMBERS) };
  // Model m trained on record r when m + r is even: 10 IN and 10 OUT models per record.
  const references: ReferenceModels = {
    onTarget: Array.from({ length: MODELS }, () => randomPosteriors(rng, N)),
    included: Array.from({ length: MODELS }, (_, m) => Uint8Array.from({ length: N }, (_, r) => ((m + r) % 2 === 0 ? 1 : 0))),
    population: { target: randomPosteriors(rng, Z), references: Array.from({ length: MODELS }, () => randomPosteriors(rng, Z)), labels: Int32Array.from({ length: Z }, (_, z) => (z * 2) % CLASSES) },
  };
  return { target, references, labels };
}

const p = (post: Posteriors, row: number, y: number) => post.values[row * CLASSES + y]!;
const targetP = (t: AttackInputData, labels: Int32Array, r: number) => (r < MEMBERS ? p(t.members, r, labels[r]!) : p(t.nonMembers, r - MEMBERS, labels[r]!));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number, what: string) => {
  assert.is(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tolerance * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const scoresOf = async (strategy: ReturnType<typeof liraAttack>, t: AttackInputData, refs: ReferenceModels) => {
  const s = await strategy.score(t, { seed: 0, references: refs });
  return { all: [...s.members, ...s.nonMembers], scores: s };
};

/** The fixture in Carlini et al.'s code's layout (one query per record) and mlleaks's scores of it. */
function referenceLayout(target: AttackInputData, references: ReferenceModels, labels: Int32Array) {
  const keep = references.included.map((mask) => Array.from(mask, (v) => v === 1));
  const scores = references.onTarget.map((post) => Array.from({ length: N }, (_, r) => [referenceScaledLogit(post.values, CLASSES, r, labels[r]!)]));
  const checkScores = Array.from({ length: N }, (_, r) => [r < MEMBERS ? referenceScaledLogit(target.members.values, CLASSES, r, labels[r]!) : referenceScaledLogit(target.nonMembers.values, CLASSES, r - MEMBERS, labels[r]!)]);
  return { keep, scores, checkScores };
}

test("LiRA per-example variance equals Carlini et al.'s code (generate_ours, generate_ours_offline) transcribed", async () => {
  const { target, references, labels } = fixture();
  const { keep, scores, checkScores } = referenceLayout(target, references, labels);
  // Online: the code's prediction is pr_in - pr_out (lower: member); ours is its negation.
  const online = generateOurs(keep, scores, checkScores).map((v) => -v);
  // Offline: ours is the one-sided z-score against the code's OUT Gaussian (median, np.std + 1e-30);
  // the code's own two-sided prediction is that Gaussian's log density at the same point.
  const reference = generateOursOffline(keep, scores, checkScores);
  const offline = checkScores.map(([x], r) => (x! - reference.meanOut[r]![0]!) / (reference.stdOut[r]![0]! + 1e-30));
  close(offline.map((z, r) => -0.5 * z * z - Math.log(reference.stdOut[r]![0]! + 1e-30) - 0.5 * Math.log(2 * Math.PI)), reference.prediction, 1e-12, "offline density");
  for (const variance of ["per-example", "auto"] as const) {
    close((await scoresOf(liraAttack("online", 10, variance), target, references)).all, online, 1e-9, `online ${variance}`);
    const off = await scoresOf(liraAttack("offline", 10, variance), target, references);
    close(off.all, offline, 1e-9, `offline ${variance}`);
    assert.is(off.scores.threshold, normalQuantile(0.9));
  }
  assert.match(liraAttack("online", 10, "per-example").title, /per-example variance/);
});

test("LiRA global variance equals the code's fix_variance, each side with its own np.std", async () => {
  const { target, references, labels } = fixture();
  const { keep, scores, checkScores } = referenceLayout(target, references, labels);
  const online = generateOurs(keep, scores, checkScores, { fixVariance: true, fixedOutFrom: "dat_out" }).map((v) => -v);
  const reference = generateOursOffline(keep, scores, checkScores, { fixVariance: true });
  const offline = checkScores.map(([x], r) => (x! - reference.meanOut[r]![0]!) / (reference.stdOut[r]![0]! + 1e-30));
  const on = await scoresOf(liraAttack("online", 10, "global"), target, references);
  close(on.all, online, 1e-9, "online global");
  close((await scoresOf(liraAttack("offline", 10, "global"), target, references)).all, offline, 1e-9, "offline global");
  // The code's online fix_variance uses np.std(dat_in) on both sides; ours differs there, and only there.
  const codes = generateOurs(keep, scores, checkScores, { fixVariance: true }).map((v) => -v);
  assert.ok(codes.some((v, r) => Math.abs(v - online[r]!) > 1e-6), "the IN side's std for both sides gives other scores");
  assert.is(liraAttack("online", 10, "global").name, "lira-online-global");
  assert.match(on.scores.thresholdRule, /0 of 22 Gaussians with their own variance, 22 with the global one/);
});

/** Zarifzadeh et al.: score(x) = Pr_z[LR(x, z) >= gamma], LR = (Pr(x|t) / Pr(x)) / (Pr(z|t) / Pr(z)). */
function rmiaTranscription(target: AttackInputData, references: ReferenceModels, labels: Int32Array, a: number, gamma: number, zs: readonly number[]): number[] {
  const pop = references.population!;
  return Array.from({ length: N }, (_, r) => {
    const out = references.onTarget.filter((_, m) => !references.included[m]![r]).map((post) => p(post, r, labels[r]!));
    const prX = 0.5 * ((1 + a) * mean(out) + (1 - a));
    const ratioX = targetP(target, labels, r) / prX;
    const beaten = zs.filter((z) => {
      const prZ = mean(pop.references.map((post) => p(post, z, pop.labels[z]!)));
      return ratioX / (p(pop.target, z, pop.labels[z]!) / prZ) >= gamma;
    });
    return beaten.length / zs.length;
  });
}

test("RMIA offline: the paper's pairwise likelihood ratio, with a and gamma given, and a calibrated", async () => {
  const { target, references, labels } = fixture();
  const everyZ = Array.from({ length: Z }, (_, z) => z);
  for (const [a, gamma] of [[0.3, 1], [0.6, 2], [1, 0.5]] as const) {
    const s = await rmiaAttack(10, { a, gamma }).score(target, { seed: 0, references });
    close([...s.members, ...s.nonMembers], rmiaTranscription(target, references, labels, a, gamma, everyZ), 1e-12, `a ${a} gamma ${gamma}`);
  }
  const calibrated = await rmiaAttack(10).score(target, { seed: 0, references });
  const a = Number(/a (\d(?:\.\d+)?): a calibrated on reference model 0/.exec(calibrated.thresholdRule)?.[1]);
  assert.ok(a >= 0 && a <= 1, calibrated.thresholdRule);
  close([...calibrated.members, ...calibrated.nonMembers], rmiaTranscription(target, references, labels, a, 1, everyZ), 1e-12, "calibrated");
  // A population sample: the seeded permutation's first records.
  const sampled = await rmiaAttack(10, { a: 0.3, populationSize: 4 }).score(target, { seed: 5, references });
  const zs = [...new Pcg32(5, 11).permutation(Z).slice(0, 4)];
  close([...sampled.members, ...sampled.nonMembers], rmiaTranscription(target, references, labels, 0.3, 1, zs), 1e-12, "population sample");
  assert.match(sampled.thresholdRule, /of 4 population records/);
});

test("attack-P: fraction of population losses at or above the record's; attack-R: of its OUT reference losses", async () => {
  const { target, references, labels } = fixture();
  const loss = (q: number) => -Math.log(q);
  const pop = references.population!;
  const popLosses = Array.from({ length: Z }, (_, z) => loss(p(pop.target, z, pop.labels[z]!)));
  const atOrAbove = (xs: number[], x: number) => (xs.filter((v) => v > x).length + xs.filter((v) => v === x).length / 2) / xs.length;
  const sP = await attackP(0.05).score(target, { seed: 0, population: { target: pop.target, labels: pop.labels } });
  close([...sP.members, ...sP.nonMembers], Array.from({ length: N }, (_, r) => atOrAbove(popLosses, loss(targetP(target, labels, r)))), 1e-12, "attack-p");
  assert.is(sP.threshold, 0.95);
  const sR = await attackR(0.05).score(target, { seed: 0, references });
  const expected = Array.from({ length: N }, (_, r) => {
    const out = references.onTarget.filter((_, m) => !references.included[m]![r]).map((post) => loss(p(post, r, labels[r]!)));
    return atOrAbove(out, loss(targetP(target, labels, r)));
  });
  close([...sR.members, ...sR.nonMembers], expected, 1e-12, "attack-r");
  assert.is(fractionAtOrAbove(Float64Array.of(1, 2, 2, 3), 2), 0.5);
});

test("quantile regressor: pinball loss, and a constant feature gives the empirical quantile", () => {
  assert.is(pinballLoss(3, 1, 0.9), 0.9 * 2);
  assert.ok(Math.abs(pinballLoss(1, 3, 0.9) - 0.2) < 1e-12);
  const rows = 400;
  const targets = new Pcg32(3, 1).fillNormal(rows);
  const regressor = fitQuantileRegressor(new Float32Array(rows), 1, new Int32Array(rows), 1, targets, 0.9, 0);
  const q = regressor.predict(new Float32Array(1), new Int32Array(1))[0]!;
  const above = targets.filter((t) => t > q).length / rows;
  assert.ok(Math.abs(above - 0.1) < 0.02, `fraction above the predicted 0.9 quantile: ${above}`);
  const again = fitQuantileRegressor(new Float32Array(rows), 1, new Int32Array(rows), 1, targets, 0.9, 0).predict(new Float32Array(1), new Int32Array(1))[0]!;
  assert.is(again, q, "seeded: the same fit twice");
});

test("label-only augmentation: perturbed copies (image flips and shifts, tabular flips) and the kept-label fraction", () => {
  // A 3x3 one-channel image: every copy is a shift of it or of its mirror image, zero padded.
  const image = Float32Array.from({ length: 9 }, (_, i) => i + 1);
  const copies = augmentedRecords(image, [3, 3, 1], 4, 0, 1);
  const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
  assert.is(copies.length, 36);
  for (let k = 0; k < 4; k++) assert.ok(sum(copies.subarray(9 * k, 9 * (k + 1))) <= 45, `copy ${k}`);
  assert.equal(augmentedRecords(image, [3, 3, 1], 4, 0, 1), copies, "seeded");
  // Tabular 0/1 records: about `rate` of the features flip.
  const rows = 200;
  const binary = new Float32Array(rows * 50);
  const flipped = augmentedRecords(binary, [50], 2, 0.1, 3);
  const rate = flipped.reduce((n, v) => n + v, 0) / flipped.length;
  assert.ok(Math.abs(rate - 0.1) < 0.01, `flip rate ${rate}`);
  // Two records, two copies each (copy-major): record 0 keeps its label in 3 of 3 answers, record 1 in 1 of 3.
  const post = (rowsLabels: number[]): Posteriors => ({ values: Float32Array.from(rowsLabels.flatMap((y) => [y === 0 ? 0.9 : 0.1, y === 1 ? 0.9 : 0.1])), rows: rowsLabels.length, classes: 2 });
  assert.equal([...robustness(post([0, 1]), post([0, 0, 0, 0]), 2, Int32Array.of(0, 1))], [1, 1 / 3]);
});

test.run();
