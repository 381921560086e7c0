// LiRA's augmented queries (Carlini et al.'s multi-query LiRA): the augmentations (identity, flip,
// seeded shifts with reflected borders) on a hand-checked image; the scores against a plain
// transcription of the reference code (test/lira-reference.ts: per augmentation, scaled logit,
// per-example or global IN/OUT Gaussians; the mean over augmentations); N = 1 equal to plain LiRA bit
// for bit; audit() on bundled digits images with N = 4, its --save-signals arrays read back and
// scored again; tabular records refused.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { liraAttack } from "../src/attacks/lira.js";
import { augmentImages, liraAugmentations, MAX_LIRA_SHIFT } from "../src/attacks/lira-augment.js";
import { encodeSignalsNpz, type AuditSignals } from "../src/attacks/signals.js";
import { runAttack } from "../src/attacks/run.js";
import type { AttackInputData, ReferenceModels } from "../src/attacks/types.js";
import { parseNpz } from "../src/records/npz.js";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { audit } from "../src/audit.js";
import { loadDataset } from "../src/datasets/index.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import type { Posteriors } from "../src/types.js";
import { generateOurs, referenceScaledLogit } from "./lira-reference.js";

const test = suite("LiRA with augmented queries");
test.before(async () => {
  await initKernels();
});

test("augmentations: identity, flip, then seeded shifts of 1-4 pixels; reflected borders", () => {
  const augs = liraAugmentations(10, 5);
  assert.equal(augs.slice(0, 2), [{ flip: false, dx: 0, dy: 0 }, { flip: true, dx: 0, dy: 0 }]);
  for (const [k, a] of augs.slice(2).entries()) {
    assert.is(a.flip, k % 2 === 1);
    assert.ok(Math.max(Math.abs(a.dx), Math.abs(a.dy)) >= 1 && Math.max(Math.abs(a.dx), Math.abs(a.dy)) <= MAX_LIRA_SHIFT, JSON.stringify(a));
  }
  assert.equal(liraAugmentations(10, 5), augs);
  // A 3x3 one-channel image 1..9: its flip, and a shift right by one (numpy's reflect: column -1 is column 1).
  const image = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const out = augmentImages(image, [3, 3, 1], [{ flip: false, dx: 0, dy: 0 }, { flip: true, dx: 0, dy: 0 }, { flip: false, dx: 1, dy: 0 }, { flip: false, dx: 0, dy: -1 }]);
  assert.equal([...out], [3, 2, 1, 6, 5, 4, 9, 8, 7, 2, 1, 2, 5, 4, 5, 8, 7, 8, 4, 5, 6, 7, 8, 9, 4, 5, 6]);
});

/** Seeded posteriors for `rows` records, `classes` classes. */
function posteriors(rng: Pcg32, rows: number, classes: number): Posteriors {
  const u = rng.fillFloat64(rows * classes);
  const values = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < classes; c++) s += u[r * classes + c]! + 0.05;
    for (let c = 0; c < classes; c++) values[r * classes + c] = (u[r * classes + c]! + 0.05) / s;
  }
  return { values, rows, classes };
}

test("multi-query online LiRA equals a plain transcription of the reference code; N = 1 is plain LiRA", async () => {
  const rng = new Pcg32(11);
  const [rows, classes, models, queries] = [6, 3, 10, 3];
  const labels = Int32Array.from([0, 1, 2, 0, 1, 2]);
  const target = posteriors(rng, rows, classes);
  const onTarget = Array.from({ length: models }, () => posteriors(rng, rows, classes));
  // Models 0-4 trained on records 0-2, models 5-9 on records 3-5: five IN and five OUT models per record.
  const included = Array.from({ length: models }, (_, m) => Uint8Array.from({ length: rows }, (_, r) => Number((m < 5) === (r < 3))));
  const augmentedTarget = posteriors(rng, (queries - 1) * rows, classes);
  const augmentedRefs = Array.from({ length: models }, () => posteriors(rng, (queries - 1) * rows, classes));
  const input: AttackInputData = {
    members: { values: target.values.slice(0, 3 * classes), rows: 3, classes },
    nonMembers: { values: target.values.slice(3 * classes), rows: 3, classes },
    membersLabels: labels.slice(0, 3),
    nonMembersLabels: labels.slice(3),
  };
  const refs: ReferenceModels = { onTarget, included, augmented: { queries, what: "test", target: augmentedTarget, references: augmentedRefs } };
  const scores = await liraAttack("online", 10, "per-example").score(input, { seed: 0, references: refs });

  // Carlini et al.'s code's layout: query q of record r is row r of the plain answers (q = 0) or row
  // (q - 1) * rows + r of the augmented ones; generate_ours averages pr_in - pr_out over the queries.
  const answer = (plain: Posteriors, copies: Posteriors, q: number, r: number) =>
    q === 0 ? referenceScaledLogit(plain.values, classes, r, labels[r]!) : referenceScaledLogit(copies.values, classes, (q - 1) * rows + r, labels[r]!);
  const keep = included.map((mask) => Array.from(mask, (v) => v === 1));
  const perModel = onTarget.map((p, m) => Array.from({ length: rows }, (_, r) => Array.from({ length: queries }, (_, q) => answer(p, augmentedRefs[m]!, q, r))));
  const checkScores = Array.from({ length: rows }, (_, r) => Array.from({ length: queries }, (_, q) => answer(target, augmentedTarget, q, r)));
  const expected = generateOurs(keep, perModel, checkScores).map((v) => -v);
  const got = [...scores.members, ...scores.nonMembers];
  for (let r = 0; r < rows; r++) assert.ok(Math.abs(got[r]! - expected[r]!) <= 1e-9 * Math.max(1, Math.abs(expected[r]!)), `record ${r}: ${got[r]} vs ${expected[r]}`);
  assert.match(scores.thresholdRule, /3 queries per record \(test\), the mean of the per-augmentation scores/);
  // Global variance: one np.std per side over every record, model and query together, as the code's.
  const global = await liraAttack("online", 10, "global").score(input, { seed: 0, references: refs });
  const expectedGlobal = generateOurs(keep, perModel, checkScores, { fixVariance: true, fixedOutFrom: "dat_out" }).map((v) => -v);
  [...global.members, ...global.nonMembers].forEach((v, r) => assert.ok(Math.abs(v - expectedGlobal[r]!) <= 1e-9 * Math.max(1, Math.abs(expectedGlobal[r]!)), `global, record ${r}: ${v} vs ${expectedGlobal[r]}`));

  // N = 1: no copies; the scores are plain LiRA's, bit for bit.
  const one: ReferenceModels = { onTarget, included, augmented: { queries: 1, what: "identity", target: { values: new Float32Array(0), rows: 0, classes }, references: onTarget.map(() => ({ values: new Float32Array(0), rows: 0, classes })) } };
  for (const mode of ["offline", "online"] as const) {
    const plain = await liraAttack(mode).score(input, { seed: 0, references: { onTarget, included } });
    const single = await liraAttack(mode).score(input, { seed: 0, references: one });
    assert.equal([single.members, single.nonMembers], [plain.members, plain.nonMembers]);
  }
});

test("audit() on digits images: N = 1 gives plain LiRA's figures; N = 4 runs and says so; tabular records refused", async () => {
  const digits = await loadDataset("digits", { source: bundledDataSource() });
  const saved: Record<number, AuditSignals> = {};
  const run = (augmentations?: number) =>
    audit({ dataset: digits, seed: 2, partSize: 200, epochs: 20, shadows: 4, target: "mlp", engine: "fused", adversaries: [], attacks: ["lira"], attackOptions: augmentations ? { augmentations } : {}, onSignals: (s) => (saved[augmentations ?? 0] = s) });
  const [plain, one, four] = [await run(), await run(1), await run(4)];
  const metrics = (r: typeof plain) => r.runs[0]!.attacks.map((a) => a.metrics);
  assert.equal(metrics(one), metrics(plain));
  assert.equal(four.runs[0]!.attacks.map((a) => a.name), ["lira-offline", "lira-online"]);
  for (const a of four.runs[0]!.attacks) assert.match(a.metrics.thresholdRule, /4 queries per record \(identity, flip, shift\(-?\d,-?\d\), flip\+shift\(-?\d,-?\d\)\)/);
  assert.not.equal(metrics(four), metrics(plain));

  // --save-signals: the augmented copies' answers round-trip through the .npz as [Q - 1, N, C] and
  // [M, Q - 1, N, C], and LiRA on the arrays read back gives the audit's figures.
  const npz = parseNpz(encodeSignalsNpz(saved[4]!), "signals.npz");
  const [n, c] = [400, 10];
  assert.equal(npz.get("augmented_target_posteriors")!.shape, [3, n, c]);
  assert.equal(npz.get("augmented_reference_posteriors")!.shape, [4, 3, n, c]);
  assert.equal(npz.get("augmented_target_posteriors")!.data, saved[4]!.augmented!.target.values);
  const copies = npz.get("augmented_reference_posteriors")!.data as Float32Array;
  saved[4]!.augmented!.references.forEach((p, m) => assert.equal(copies.subarray(m * 3 * n * c, (m + 1) * 3 * n * c), p.values));
  assert.not.ok(parseNpz(encodeSignalsNpz(saved[1]!), "plain.npz").has("augmented_target_posteriors"), "no copies with N = 1");
  const array = (name: string) => npz.get(name)!.data;
  const rowsOf = (values: Float32Array, from: number, to: number): Posteriors => ({ values: values.slice(from * c, to * c), rows: to - from, classes: c });
  const targetAll = array("target_posteriors") as Float32Array;
  const labelsAll = array("labels") as Int32Array;
  const refsAll = array("reference_posteriors") as Float32Array;
  const inOut = array("in_out") as Uint8Array;
  const back: ReferenceModels = {
    onTarget: [0, 1, 2, 3].map((m) => rowsOf(refsAll, m * n, (m + 1) * n)),
    included: [0, 1, 2, 3].map((m) => inOut.slice(m * n, (m + 1) * n)),
    augmented: { queries: 4, what: "read back", target: rowsOf(array("augmented_target_posteriors") as Float32Array, 0, 3 * n), references: [0, 1, 2, 3].map((m) => rowsOf(copies, m * 3 * n, (m + 1) * 3 * n)) },
  };
  const input: AttackInputData = { members: rowsOf(targetAll, 0, 200), nonMembers: rowsOf(targetAll, 200, n), membersLabels: labelsAll.slice(0, 200), nonMembersLabels: labelsAll.slice(200) };
  for (const a of four.runs[0]!.attacks) {
    const again = await runAttack(liraAttack(a.name === "lira-online" ? "online" : "offline"), input, { seed: 0, references: back });
    assert.is(again.metrics.auc, a.metrics.auc, a.name);
  }
  const purchase = await loadDataset("purchase", { source: bundledDataSource() });
  try {
    await audit({ dataset: purchase, seed: 0, partSize: 50, epochs: 1, shadows: 2, engine: "fused", adversaries: [], attacks: ["lira"], attackOptions: { augmentations: 2 } });
    assert.unreachable("tabular records accepted");
  } catch (error) {
    assert.match((error as Error).message, /augmentations: LiRA's augmented queries \(flips and shifts\) apply to images, records of shape \[height, width, channels\]; these records have shape \[216\]/);
  }
});

test.run();
