// The label-only decision-boundary attack (HopSkipJump-style search, Li and Zhang 2021) through
// audit() (a target it trains, named in --attacks) and auditModel(): on the ONNX fixture digits-mlp.onnx and on an overfit purchase MLP the project
// trains, above chance; near 0.5 AUC on records the target never saw; never more label queries per
// record than the budget; the same distances, bit for bit, from the same seed (pinned hash).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { boundaryDistances, predictedLabels, type BoundaryQueries } from "../src/attacks/boundary.js";
import { resolveAttackOptions } from "../src/attacks/registry.js";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { audit, AUDIT_DEFAULTS } from "../src/audit.js";
import { auditModel } from "../src/audit-model.js";
import { loadDataset, mlLeaksSplit } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { createClassifier } from "../src/models/create.js";
import "../src/models/engines.js";
import { trainSequentially } from "../src/models/parallel.js";
import { openOnnxModel } from "../src/targets/onnx.js";
import { posteriorTargetModel } from "../src/targets/posterior-model.js";
import type { TargetModel } from "../src/targets/types.js";
import type { LabeledData, PosteriorModel } from "../src/types.js";
import { sha256Hex } from "../src/util/sha256.js";
import { fixtureBytes, fixtureRecords, rejects } from "./targets-fixtures.js";

const test = suite("label-only decision-boundary attack");
test.before(async () => {
  await initKernels();
});

function slice(d: LabeledData, from: number, to: number): LabeledData {
  const width = d.features.length / d.labels.length;
  return { ...d, features: d.features.slice(from * width, to * width), labels: d.labels.slice(from, to) };
}

async function boundaryAudit(target: TargetModel, members: LabeledData, nonMembers: LabeledData, maxQueries: number) {
  const before = target.queries;
  const report = await auditModel({ target, members, nonMembers, seed: 0, adversaries: [], attacks: ["label-only-boundary"], attackOptions: { maxQueries } });
  assert.equal(report.runs[0]!.attacks.map((a) => a.name), ["label-only-boundary"]);
  const result = report.runs[0]!.attacks[0]!;
  const asked = target.queries - before;
  const records = members.labels.length + nonMembers.labels.length;
  // Each record once for its label, then at most the budget in the search.
  assert.ok(asked <= records * (maxQueries + 1), `${asked} queries for ${records} records at ${maxQueries} each`);
  assert.is(report.runs[0]!.target.queries, asked);
  const [, total, most] = /label queries: (\d+) in all, at most (\d+) per record of the budget (\d+)/.exec(result.metrics.thresholdRule) ?? [];
  assert.is(Number(total), asked - records);
  assert.ok(Number(most) <= maxQueries, result.metrics.thresholdRule);
  return result.metrics.auc;
}

test("audit() on a target it trains: label-only-boundary when named (never by default), through an output defence's release; a defence that trains its own target is skipped with a note", async () => {
  const purchase = await loadDataset("purchase", { source: bundledDataSource() });
  assert.not.ok(AUDIT_DEFAULTS.attacks.includes("label-only-boundary"));
  const options = { dataset: purchase, seed: 4, partSize: 150, epochs: 30, engine: "fused", adversaries: [], attacks: ["loss", "label-only-boundary"], attackOptions: { maxQueries: 20 }, defences: ["none", "output-rounding", "dropout"] } as const;
  const report = await audit(options);
  const [none, rounded, dropout] = report.runs;
  for (const run of [none!, rounded!]) {
    assert.equal(run.attacks.map((a) => a.name), ["loss", "label-only-boundary"]);
    const rule = run.attacks[1]!.metrics.thresholdRule;
    const [, total, most] = /label queries: (\d+) in all, at most (\d+) per record of the budget 20/.exec(rule) ?? [];
    assert.ok(Number(total) > 0 && Number(most) <= 20, rule);
  }
  // The overfit MLP (train about 100%, test about 60%) keeps its members farther from the boundary.
  assert.ok(none!.attacks[1]!.metrics.auc > 0.6, `AUC ${none!.attacks[1]!.metrics.auc}`);
  // Rounding keeps every record's label, so the label oracle, and the search, are the same.
  assert.equal(rounded!.attacks[1]!.metrics, none!.attacks[1]!.metrics);
  assert.equal(dropout!.attacks.map((a) => a.name), ["loss"]);
  assert.match(report.notes.join("\n"), /label-only-boundary skipped for dropout 0\.5: the defence trains its own target/);
  // Results without weights, as a queue's workers send them: the target is trained again for the
  // search (its weights checked by hash), with the same figures.
  const noWeights = await audit({ ...options, defences: ["none"], runJobs: async (jobs, hooks) => (await trainSequentially(jobs, hooks)).map((r) => ({ ...r, weights: [] })) });
  assert.equal(noWeights.runs[0]!.attacks[1]!.metrics, none!.attacks[1]!.metrics);
});

test("digits-mlp.onnx: above chance on its members vs non-members, near 0.5 on two halves of its non-members", async () => {
  const [members, nonMembers] = await Promise.all([fixtureRecords("digits-mlp", "members"), fixtureRecords("digits-mlp", "nonmembers")]);
  const target = await openOnnxModel(await fixtureBytes("digits-mlp.onnx"), "digits-mlp.onnx");
  try {
    const seen = await boundaryAudit(target, members, nonMembers, 100);
    assert.ok(seen > 0.53, `AUC ${seen}`);
    // 224 records a side: the AUC's standard error is about 0.027.
    const unseen = await boundaryAudit(target, slice(nonMembers, 0, 224), slice(nonMembers, 224, 448), 100);
    assert.ok(Math.abs(unseen - 0.5) < 0.09, `AUC ${unseen}`);
  } finally {
    await target.dispose();
  }
});

test("an overfit purchase MLP the project trains: far above chance; near 0.5 on records it never saw", async () => {
  const purchase = await loadDataset("purchase", { source: bundledDataSource() });
  const split = mlLeaksSplit(purchase, { seed: 1, partSize: 200 });
  const model = await createClassifier("mlp", { inputShape: purchase.recordShape, numClasses: purchase.numClasses, engine: "fused" });
  await model.fit(split.targetTrain, { seed: 1, epochs: 30 });
  const target = posteriorTargetModel(model, "mlleaks", "purchase mlp (test)", { dispose: () => model.dispose() });
  try {
    const seen = await boundaryAudit(target, split.targetTrain, split.targetOut, 200);
    assert.ok(seen > 0.75, `AUC ${seen}`);
    const unseen = await boundaryAudit(target, split.shadowTrain, split.targetOut, 200);
    assert.ok(Math.abs(unseen - 0.5) < 0.1, `AUC ${unseen}`);
  } finally {
    await target.dispose();
  }
});

/** The search straight on a model: its known labels, a label oracle counting every row asked. */
async function searchOn(model: PosteriorModel, records: LabeledData, maxQueries: number, seed: number) {
  const rows = records.labels.length;
  const width = records.features.length / rows;
  const half = Math.floor(rows / 2);
  const known = predictedLabels(await model.predict(records.features, rows));
  let asked = 0;
  const queries: BoundaryQueries = {
    predictLabels: async (features, n) => ((asked += n), predictedLabels(await model.predict(features, n))),
    members: records.features.subarray(0, half * width),
    nonMembers: records.features.subarray(half * width),
    width,
    maxQueries,
    batchSize: 37,
  };
  const found = await boundaryDistances(queries, known, records.labels, seed);
  return { ...found, known, asked };
}

test("the budget holds for every record; misclassified records score 0 unasked; seeded and pinned", async () => {
  const members = slice(await fixtureRecords("digits-mlp", "members"), 0, 60);
  const target = await openOnnxModel(await fixtureBytes("digits-mlp.onnx"), "digits-mlp.onnx");
  try {
    for (const budget of [1, 2, 7, 60]) {
      const { distances, queries, known, asked } = await searchOn(target, members, budget, 3);
      assert.is(asked, queries.reduce((s, v) => s + v, 0));
      for (let r = 0; r < queries.length; r++) {
        assert.ok(queries[r]! <= budget, `record ${r}: ${queries[r]} queries at budget ${budget}`);
        if (known[r] !== members.labels[r]) assert.equal([distances[r], queries[r]], [0, 0]);
        else assert.ok(distances[r]! > 0 && Number.isFinite(distances[r]!), `record ${r}: distance ${distances[r]}`);
      }
    }
    // More queries find closer boundary points.
    const [few, many] = [await searchOn(target, members, 7, 3), await searchOn(target, members, 60, 3)];
    for (let r = 0; r < 60; r++) assert.ok(many.distances[r]! <= few.distances[r]!, `record ${r}`);
    const again = await searchOn(target, members, 60, 3);
    assert.equal(again.distances, many.distances);
    assert.not.equal((await searchOn(target, members, 60, 4)).distances, many.distances);
    assert.is(await sha256Hex(many.distances), "071f15c5d6b72c517a842dd1652f09921757bee07015d6c075c00d565a92f0bf");
  } finally {
    await target.dispose();
  }
});

test("bad budgets: errors name the option", async () => {
  assert.throws(() => resolveAttackOptions({ maxQueries: 0 }), /maxQueries: expected a positive integer \(label queries per record\), got 0/);
  const members = slice(await fixtureRecords("digits-mlp", "members"), 0, 4);
  const target = await openOnnxModel(await fixtureBytes("digits-mlp.onnx"), "digits-mlp.onnx");
  try {
    await rejects(() => searchOn(target, members, 2.5, 0), /label-only-boundary: maxQueries must be a positive integer, got 2.5/);
  } finally {
    await target.dispose();
  }
});

test.run();
