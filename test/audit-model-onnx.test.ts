// auditModel() on the PyTorch-exported ONNX fixtures (test/fixtures/models/), run by
// onnxruntime-web: the full report on digits-mlp (adversaries 1-3, metric attacks, Shokri, combined,
// LiRA, RMIA; adversary 1 with a shadow on the population finds the leakage), the metric attacks'
// AUCs equal to those computed from the model's posteriors directly, and fashion-cnn-logits' logits
// detected and softmaxed (a cheaper configuration: no shadows).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { auditModel } from "../src/audit-model.js";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { loadDataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { fingerprintReport } from "../src/report/json.js";
import { openOnnxModel } from "../src/targets/onnx.js";
import { fixtureBytes, fixtureFacts, fixtureRecords } from "./targets-fixtures.js";

const test = suite("audit model (ONNX fixtures)");
test.before(async () => {
  await initKernels();
});

test("digits-mlp.onnx: the full report; adversary 1 finds the leakage; metric AUCs equal the posteriors' own", async () => {
  const [members, nonMembers, population] = await Promise.all([fixtureRecords("digits-mlp", "members"), fixtureRecords("digits-mlp", "nonmembers"), fixtureRecords("digits-mlp", "population")]);
  const dna = await loadDataset("dna", { source: bundledDataSource() });
  const target = await openOnnxModel(await fixtureBytes("digits-mlp.onnx"), "digits-mlp.onnx");
  const options = { target, members, nonMembers, population, shadowDataset: dna, shadowPartSize: 300, seed: 0, epochs: 20, attackEpochs: 20, shadows: 4, noiseQueries: 300, engine: "fused" as const };
  const report = await auditModel(options);
  const run = report.runs[0]!;
  const facts = await fixtureFacts("digits-mlp");
  assert.ok(Math.abs(run.target.trainAccuracy! - facts.train_acc) < 1e-9 && Math.abs(run.target.testAccuracy! - facts.test_acc) < 1e-9, JSON.stringify(run.target));
  assert.equal({ source: run.target.source, outputKind: run.target.outputKind, queries: run.target.queries }, { source: "onnx", outputKind: "probabilities", queries: 449 + 449 + 300 + 898 + 8 * 898 });
  const byName = Object.fromEntries(run.attacks.map((a) => [a.name, a.metrics]));
  assert.equal(Object.keys(byName), ["adversary-1", "shokri", "combined", "adversary-2", "adversary-3-max", "adversary-3-entropy", "loss", "modified-entropy", "correctness", "lira-offline", "lira-online", "lira-offline-global", "lira-online-global", "rmia", "quantile", "attack-p", "label-only-augmentation", "attack-r"]);
  assert.ok(byName["adversary-1"]!.auc > 0.52, `adversary 1 AUC ${byName["adversary-1"]!.auc}`);
  assert.equal(report.notes, []);
  // The same model's posteriors, audited directly: the metric attacks agree exactly.
  const direct = await auditPosteriors({
    members: await target.predict(members.features, 449),
    nonMembers: await target.predict(nonMembers.features, 449),
    membersLabels: members.labels,
    nonMembersLabels: nonMembers.labels,
    attacks: ["loss", "modified-entropy", "correctness"],
  });
  for (const a of direct.runs[0]!.attacks) assert.is(byName[a.name]!.auc, a.metrics.auc, a.name);
  assert.is(await fingerprintReport(report), await fingerprintReport(await auditModel(options)), "same inputs and seed, same fingerprint");
  await target.dispose();
});

test("fashion-cnn-logits.onnx: logits detected and softmaxed; no population, so no shadows", async () => {
  const [members, nonMembers] = await Promise.all([fixtureRecords("fashion-cnn-logits", "members"), fixtureRecords("fashion-cnn-logits", "nonmembers")]);
  const target = await openOnnxModel(await fixtureBytes("fashion-cnn-logits.onnx"), "fashion-cnn-logits.onnx");
  const report = await auditModel({ target, members, nonMembers, seed: 0, adversaries: [1, 3], attacks: ["loss", "correctness", "lira"], noiseQueries: 200 });
  const run = report.runs[0]!;
  const facts = await fixtureFacts("fashion-cnn-logits");
  assert.is(run.target.outputKind, "logits");
  assert.ok(Math.abs(run.target.trainAccuracy! - facts.train_acc) < 1e-9 && Math.abs(run.target.testAccuracy! - facts.test_acc) < 1e-9, JSON.stringify(run.target));
  assert.equal(run.attacks.map((a) => a.name), ["adversary-3-max", "adversary-3-entropy", "loss", "correctness"]);
  assert.ok(run.attacks.find((a) => a.name === "loss")!.metrics.auc > 0.52);
  assert.is(report.config.noiseKind, "pixels");
  assert.match(report.notes.join("\n"), /no population data/);
  assert.match(report.notes.join("\n"), /adversary-1 skipped/);
  assert.match(report.notes.join("\n"), /lira-online skipped/);
  await target.dispose();
});

test.run();
