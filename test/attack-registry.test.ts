// The attack registry: one entry per attack in report order, selection by name, skipped attacks
// named with their reason, and audit() planning from it unchanged: the fingerprint of a short audit
// with every attack and every defence is pinned (measured before the registry existed, re-pinned after the statistics landed in reports).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { ATTACKS, attackEntry, planAttacks, resolveAttackOptions } from "../src/attacks/registry.js";
import { audit } from "../src/audit.js";
import { auditPosteriors, POSTERIOR_ATTACKS } from "../src/audit-posteriors.js";
import { loadDataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { fingerprintReport } from "../src/report/json.js";

const test = suite("attack registry");
test.before(async () => {
  await initKernels();
});
// Pinned fingerprint: set again when LiRA's and RMIA's titles and threshold rules came to name their
// variant and parameters, the config gained alpha / rmiaGamma / rmiaA, and RMIA's a became calibrated
// by default (with rmiaA 0.3 every figure equals the earlier report's), again when Shokri's attack
// models came to read log-standardized posteriors, and again when they came to read label-log inputs
// (both times only Shokri's figures changed).

const settings = { topK: 3, topPercentile: 10, shadows: 4, shadowModel: "mlp", combinedModels: ["mlp", "logreg"], shadowDatasetName: "dna" };

test("one entry per attack, unique names, in report order", () => {
  const names = ATTACKS.map((a) => a.name);
  assert.equal(names, ["adversary-1", "shokri", "combined", "adversary-2", "adversary-3-max", "adversary-3-entropy", "loss", "modified-entropy", "correctness", "lira-offline", "lira-online", "lira-offline-global", "lira-online-global", "rmia", "quantile", "attack-p", "label-only-augmentation", "attack-r", "label-only-boundary"]);
  assert.is(new Set(names).size, names.length);
  assert.equal([...POSTERIOR_ATTACKS], ["adversary-3-max", "adversary-3-entropy", "loss", "modified-entropy", "correctness", "attack-p"]);
  assert.is(attackEntry("shokri").create(settings).title, "Shokri (4 shadows, per-class attack)");
  assert.is(attackEntry("adversary-2").create(settings).title, "Adversary 2 (shadow on dna, top-3)");
  assert.throws(() => attackEntry("nope"), /unknown attack 'nope'/);
  assert.is(attackEntry("quantile").create({ ...settings, alpha: 0.05 }).title, "Quantile regression (Bertran et al., alpha 0.05)");
  assert.is(attackEntry("rmia").create({ ...settings, rmiaGamma: 2, rmiaA: 0.5 }).title, "RMIA (offline, gamma 2, a 0.5)");
  assert.throws(() => resolveAttackOptions({ alpha: 1.5 }), /alpha: expected an FPR between 0 and 1/);
  assert.throws(() => resolveAttackOptions({ rmiaA: 2 }), /rmiaA: expected a number from 0 to 1 or "calibrated"/);
});

test("planAttacks: what the resources cannot support is skipped with its reason", () => {
  const noise = { values: new Float32Array([0.5, 0.5]), rows: 1, classes: 2 };
  const { plan, skipped } = planAttacks(["adversary-1", "adversary-3", "loss", "lira", "rmia", "quantile", "attack-p"], settings, { noise });
  assert.equal(planAttacks(["label-only-boundary"], settings, { noise }).skipped, ["label-only-boundary skipped: it needs the target as a model to query for labels (audit(), auditModel(), or the edge handler's model-URL form)"]);
  assert.equal(plan.map((p) => p.strategy.name), ["adversary-3-max", "adversary-3-entropy", "loss"]);
  assert.equal(skipped, [
    "adversary-1 skipped: it needs a shadow model (trained on population data)",
    "lira-offline skipped: it needs reference models (trained on population data)",
    "lira-online skipped: it needs reference models (trained on population data)",
    "rmia skipped: it needs reference models (trained on population data) and population data",
    "quantile skipped: it needs population data and the records' features (not only the target's answers)",
    "attack-p skipped: it needs population data",
  ]);
  assert.equal(plan[0]!.context, { noise });
  const unlabelled = planAttacks(["correctness"], settings, {}, false);
  assert.equal(unlabelled.skipped, ["correctness skipped: it needs the labels of both members and non-members"]);
});

test("audit() through the registry keeps its pinned fingerprints", async () => {
  const purchase = await loadDataset("purchase", { source: bundledDataSource() });
  const dna = await loadDataset("dna", { source: bundledDataSource() });
  const report = await audit({
    dataset: purchase,
    shadowDataset: dna,
    seed: 7,
    partSize: 120,
    shadowPartSize: 120,
    epochs: 5,
    attackEpochs: 5,
    shadows: 4,
    noiseQueries: 200,
    engine: "fused",
    defences: ["none", "dropout", "stacking"],
    attacks: ["shokri", "combined", "loss", "modified-entropy", "correctness", "lira", "rmia"],
  });
  assert.is(await fingerprintReport(report), "eace83993d774ba31250ff9518e11da706301f86230f9729affca36d11ef2d8d");
  const run = report.runs[0]!.attacks;
  const posteriors = await auditPosteriors({ members: { values: new Float32Array([0.9, 0.1, 0.2, 0.8]), rows: 2, classes: 2 }, nonMembers: { values: new Float32Array([0.6, 0.4, 0.5, 0.5]), rows: 2, classes: 2 }, seed: 1 });
  assert.equal(posteriors.runs[0]!.attacks.map((a) => a.name), ["adversary-3-max", "adversary-3-entropy"]);
  assert.equal(posteriors.notes, ["loss skipped: it needs the labels of both members and non-members", "modified-entropy skipped: it needs the labels of both members and non-members", "correctness skipped: it needs the labels of both members and non-members"]);
  assert.is(run.length, 12);
});

test.run();
