// What Shokri's attack models read (issue 13's gap). On saturated softmax outputs, where members and
// non-members differ only in how close p_y is to 1, the raw float32 posteriors hide the difference
// from the attack MLP and logs do not; on ten classes whose other posteriors spread over orders of
// magnitude regardless of membership (a CNN's), the logs of all ten are noise to small attack models
// and the label-log features (log p_y, the largest other, the others' sum) are not. Real attack-model
// training on the fused engine, seeded.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { resolveAttackOptions } from "../src/attacks/registry.js";
import { runAttack } from "../src/attacks/run.js";
import { shokriAttack } from "../src/attacks/shadow.js";
import type { AttackInputData } from "../src/attacks/types.js";
import { attackModelTrainer, sharedAttackModels } from "../src/audit.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import "../src/models/engines.js";
import type { Posteriors } from "../src/types.js";

const test = suite("Shokri's attack inputs");
test.before(async () => {
  await initKernels();
});

const CLASSES = 3;

/** Confident answers on the true class: 1 - p_y is 10^-(digits + 2u), shared equally by the other classes. */
function saturated(rng: Pcg32, labels: Int32Array, digits: number): Posteriors {
  const u = rng.fillFloat64(labels.length);
  const values = new Float32Array(labels.length * CLASSES);
  labels.forEach((y, r) => {
    const rest = 10 ** -(digits + 2 * u[r]!);
    for (let c = 0; c < CLASSES; c++) values[r * CLASSES + c] = c === y ? 1 - rest : rest / (CLASSES - 1);
  });
  return { values, rows: labels.length, classes: CLASSES };
}

/** Members' 1 - p_y from 1e-6 down (overfit), non-members' from 1e-4 down: a shadow's and a target's. */
function answers(seed: number, rows: number): AttackInputData {
  const rng = new Pcg32(seed, 1);
  const labels = Int32Array.from({ length: rows }, (_, i) => i % CLASSES);
  return { members: saturated(rng, labels, 6), nonMembers: saturated(rng, labels, 4), membersLabels: labels, nonMembersLabels: labels };
}

test("both log inputs separate saturated members; raw float32 posteriors do not", async () => {
  const trainAttackModel = attackModelTrainer({ engine: "fused", attackEpochs: 20, batchSize: 100, learningRate: 0.001, l2: 1e-7 });
  const context = { seed: 3, shadow: answers(1, 600), trainAttackModel };
  const target = answers(2, 300);
  const labelLog = await runAttack(shokriAttack(), target, context);
  const logged = await runAttack(shokriAttack("log-standardized"), target, context);
  const raw = await runAttack(shokriAttack("raw"), target, context);
  assert.ok(labelLog.metrics.auc > 0.95, `label-log AUC ${labelLog.metrics.auc}`);
  assert.ok(logged.metrics.auc > 0.95, `log-standardized AUC ${logged.metrics.auc}`);
  assert.ok(raw.metrics.auc < 0.75, `raw AUC ${raw.metrics.auc}`);
  // Deterministic: the same seeds give the same scores.
  const again = await runAttack(shokriAttack(), target, context);
  assert.is(again.metrics.auc, labelLog.metrics.auc);
});

const TEN = 10;

/** Ten classes: 1 - p_y is 10^-(digits + 2u); the other classes share it with weights 10^(-8v), v uniform,
 *  so their logs spread over eight orders of magnitude whatever the record's membership. */
function spread(rng: Pcg32, labels: Int32Array, digits: number): Posteriors {
  const u = rng.fillFloat64(labels.length);
  const v = rng.fillFloat64(labels.length * TEN);
  const values = new Float32Array(labels.length * TEN);
  labels.forEach((y, r) => {
    const rest = 10 ** -(digits + 2 * u[r]!);
    const weights = Array.from({ length: TEN }, (_, c) => (c === y ? 0 : 10 ** (-8 * v[r * TEN + c]!)));
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, c) => (values[r * TEN + c] = c === y ? 1 - rest : (rest * w) / total));
  });
  return { values, rows: labels.length, classes: TEN };
}

/** About 100 shadow rows a class and side, as fashion-mnist's with two shadows of 500 records. */
function spreadAnswers(seed: number, rows: number): AttackInputData {
  const rng = new Pcg32(seed, 1);
  const labels = Int32Array.from({ length: rows }, (_, i) => i % TEN);
  return { members: spread(rng, labels, 1.5), nonMembers: spread(rng, labels, 1), membersLabels: labels, nonMembersLabels: labels };
}

test("ten classes with log-scale noise in the other posteriors: label-log inputs beat the logs of every class", async () => {
  const trainAttackModel = attackModelTrainer({ engine: "fused", attackEpochs: 20, batchSize: 100, learningRate: 0.001, l2: 1e-7 });
  const context = { seed: 4, shadow: spreadAnswers(1, 1000), trainAttackModel };
  const target = spreadAnswers(2, 500);
  const labelLog = await runAttack(shokriAttack("label-log"), target, context);
  const logged = await runAttack(shokriAttack("log-standardized"), target, context);
  assert.ok(labelLog.metrics.auc > 0.68, `label-log AUC ${labelLog.metrics.auc}`);
  assert.ok(labelLog.metrics.auc > logged.metrics.auc + 0.02, `label-log AUC ${labelLog.metrics.auc}, log-standardized ${logged.metrics.auc}`);
});

test("label-log reads p_y, the largest other posterior and the others' sum: reordering the other classes changes no score", async () => {
  const trainAttackModel = attackModelTrainer({ engine: "fused", attackEpochs: 5, batchSize: 100, learningRate: 0.001, l2: 1e-7 });
  // Swap the two classes after the label in every row (cyclically), leaving p_y where it is.
  const swapped = (p: Posteriors, labels: Int32Array): Posteriors => {
    const values = p.values.slice();
    labels.forEach((y, r) => {
      const a = r * TEN + ((y + 1) % TEN);
      const b = r * TEN + ((y + 2) % TEN);
      [values[a], values[b]] = [values[b]!, values[a]!];
    });
    return { ...p, values };
  };
  const shadow = spreadAnswers(1, 400);
  const target = spreadAnswers(2, 200);
  const scores = async (s: AttackInputData, t: AttackInputData) => {
    let out: { members: Float64Array; nonMembers: Float64Array } | undefined;
    await runAttack(shokriAttack(), t, { seed: 5, shadow: s, trainAttackModel }, (x) => (out = x));
    return out!;
  };
  const swap = (d: AttackInputData): AttackInputData => ({ ...d, members: swapped(d.members, d.membersLabels!), nonMembers: swapped(d.nonMembers, d.nonMembersLabels!) });
  const a = await scores(shadow, target);
  const b = await scores(swap(shadow), swap(target));
  assert.equal(Array.from(b.members), Array.from(a.members));
  assert.equal(Array.from(b.nonMembers), Array.from(a.nonMembers));
  // log-standardized reads every class where it is: the same swap moves its scores.
  let c: { members: Float64Array } | undefined;
  let d: { members: Float64Array } | undefined;
  await runAttack(shokriAttack("log-standardized"), target, { seed: 5, shadow, trainAttackModel }, (x) => (c = x));
  await runAttack(shokriAttack("log-standardized"), swap(target), { seed: 5, shadow: swap(shadow), trainAttackModel }, (x) => (d = x));
  assert.not.equal(Array.from(d!.members), Array.from(c!.members));
});

test("a class with zero posteriors (a defence's rounding) is floored, not -Infinity", async () => {
  const trainAttackModel = attackModelTrainer({ engine: "fused", attackEpochs: 5, batchSize: 100, learningRate: 0.001, l2: 1e-7 });
  const rounded = (p: Posteriors): Posteriors => ({ ...p, values: p.values.map((v) => Math.round(v * 100) / 100) });
  const shadow = answers(1, 300);
  const target = answers(2, 150);
  for (const inputs of ["label-log", "log-standardized"] as const) {
    const result = await runAttack(shokriAttack(inputs), { ...target, members: rounded(target.members), nonMembers: rounded(target.nonMembers) }, { seed: 3, shadow: { ...shadow, members: rounded(shadow.members), nonMembers: rounded(shadow.nonMembers) }, trainAttackModel });
    assert.ok(Number.isFinite(result.metrics.auc), inputs);
    // Every posterior rounds to one-hot: nothing is left to tell members apart.
    assert.is(result.metrics.auc, 0.5, inputs);
  }
});

test("a label outside the posteriors' classes is an error naming the record", async () => {
  const trainAttackModel = attackModelTrainer({ engine: "fused", attackEpochs: 1, batchSize: 100, learningRate: 0.001, l2: 1e-7 });
  const shadow = answers(1, 30);
  const target = answers(2, 30);
  const labels = target.nonMembersLabels!.slice();
  labels[4] = CLASSES;
  for (const inputs of ["label-log", "log-standardized", "raw"] as const) {
    await shokriAttack(inputs)
      .score({ ...target, nonMembersLabels: labels }, { seed: 3, shadow, trainAttackModel })
      .then(
        () => assert.unreachable(`${inputs}: accepted label ${CLASSES}`),
        (e: Error) => assert.match(e.message, /attack shokri: label 3 of non-members record 4 is not a class of the 3-class posteriors \(expected 0 to 2\)/),
      );
  }
});

test("shared attack models: a second defence's attack on the same shadows reuses them, with the same scores", async () => {
  const trainer = attackModelTrainer({ engine: "fused", attackEpochs: 5, batchSize: 100, learningRate: 0.001, l2: 1e-7 });
  let trained = 0;
  const shared = sharedAttackModels((...args) => (trained++, trainer(...args)));
  const shadow = answers(1, 300);
  try {
    const first = await runAttack(shokriAttack(), answers(2, 150), { seed: 3, shadow, trainAttackModel: shared.train });
    assert.is(trained, CLASSES, "one attack model a class");
    const own = await runAttack(shokriAttack(), answers(4, 150), { seed: 3, shadow, trainAttackModel: trainer });
    const reused = await runAttack(shokriAttack(), answers(4, 150), { seed: 3, shadow, trainAttackModel: shared.train });
    assert.is(trained, CLASSES, "none trained again");
    assert.equal(reused.metrics, own.metrics, "the scores of models trained afresh");
    await runAttack(shokriAttack(), answers(2, 150), { seed: 5, shadow, trainAttackModel: shared.train });
    assert.is(trained, 2 * CLASSES, "another seed: other models");
    await runAttack(shokriAttack(), answers(2, 150), { seed: 3, shadow: answers(6, 300), trainAttackModel: shared.train });
    assert.is(trained, 3 * CLASSES, "other shadow answers: other models");
    assert.not.equal(first.metrics, reused.metrics);
  } finally {
    shared.dispose();
  }
});

test("shokriInputs: in a report's config only when not the default label-log", () => {
  assert.not.ok("shokriInputs" in resolveAttackOptions({}));
  assert.not.ok("shokriInputs" in resolveAttackOptions({ shokriInputs: "label-log" }));
  assert.is(resolveAttackOptions({ shokriInputs: "log-standardized" }).shokriInputs, "log-standardized");
  assert.is(resolveAttackOptions({ shokriInputs: "raw" }).shokriInputs, "raw");
  assert.throws(() => resolveAttackOptions({ shokriInputs: "logits" as "raw" }), /shokriInputs: expected one of label-log, log-standardized, raw, got 'logits'/);
});

test.run();
