// Shokri's attack models read log-standardized posteriors (issue 13's gap): on saturated softmax
// outputs, where members and non-members differ only in how close p_y is to 1, the raw float32
// posteriors hide the difference from the attack MLP and their logs do not. Real attack-model
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

/** Confident answers on the true class: 1 - p_y is 10^-(digits + u), shared equally by the other classes. */
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

test("log-standardized inputs separate saturated members; raw float32 posteriors do not", async () => {
  const trainAttackModel = attackModelTrainer({ engine: "fused", attackEpochs: 20, batchSize: 100, learningRate: 0.001, l2: 1e-7 });
  const context = { seed: 3, shadow: answers(1, 600), trainAttackModel };
  const target = answers(2, 300);
  const logged = await runAttack(shokriAttack(), target, context);
  const raw = await runAttack(shokriAttack("raw"), target, context);
  assert.ok(logged.metrics.auc > 0.95, `log-standardized AUC ${logged.metrics.auc}`);
  assert.ok(raw.metrics.auc < 0.75, `raw AUC ${raw.metrics.auc}`);
  // Deterministic: the same seeds give the same scores.
  const again = await runAttack(shokriAttack(), target, context);
  assert.is(again.metrics.auc, logged.metrics.auc);
});

test("a class with zero posteriors (a defence's rounding) is floored, not -Infinity", async () => {
  const trainAttackModel = attackModelTrainer({ engine: "fused", attackEpochs: 5, batchSize: 100, learningRate: 0.001, l2: 1e-7 });
  const rounded = (p: Posteriors): Posteriors => ({ ...p, values: p.values.map((v) => Math.round(v * 100) / 100) });
  const shadow = answers(1, 300);
  const target = answers(2, 150);
  const result = await runAttack(shokriAttack(), { ...target, members: rounded(target.members), nonMembers: rounded(target.nonMembers) }, { seed: 3, shadow: { ...shadow, members: rounded(shadow.members), nonMembers: rounded(shadow.nonMembers) }, trainAttackModel });
  assert.ok(Number.isFinite(result.metrics.auc));
  // Every posterior rounds to one-hot: nothing is left to tell members apart.
  assert.is(result.metrics.auc, 0.5);
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

test("shokriInputs: in a report's config only when raw", () => {
  assert.not.ok("shokriInputs" in resolveAttackOptions({}));
  assert.not.ok("shokriInputs" in resolveAttackOptions({ shokriInputs: "log-standardized" }));
  assert.is(resolveAttackOptions({ shokriInputs: "raw" }).shokriInputs, "raw");
  assert.throws(() => resolveAttackOptions({ shokriInputs: "logits" as "raw" }), /shokriInputs: expected one of log-standardized, raw, got 'logits'/);
});

test.run();
