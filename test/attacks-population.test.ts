// The quantile-regression attack, attack-P, attack-R, LiRA (both variances), RMIA and the label-only
// augmentation attack through auditModel() on the ONNX fixture digits-mlp.onnx (train accuracy
// 0.98, test 0.92): above chance on
// its members vs non-members; near 0.5 AUC when both sets are records it never saw (its non-members
// split in two); and the signals --save-signals writes, read back with the project's .npz parser.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { encodeSignalsNpz, type AuditSignals } from "../src/attacks/signals.js";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { audit } from "../src/audit.js";
import { auditModel } from "../src/audit-model.js";
import { loadDataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { parseNpz } from "../src/records/npz.js";
import { openOnnxModel } from "../src/targets/onnx.js";
import type { LabeledData } from "../src/types.js";
import { fixtureBytes, fixtureRecords } from "./targets-fixtures.js";

const test = suite("population and reference attacks (digits-mlp.onnx)");
test.before(async () => {
  await initKernels();
});

const ATTACKS = ["quantile", "attack-p", "attack-r", "lira", "lira-global", "rmia", "label-only-augmentation"] as const;
const NAMES = ["lira-offline", "lira-online", "lira-offline-global", "lira-online-global", "rmia", "quantile", "attack-p", "label-only-augmentation", "attack-r"];

function slice(d: LabeledData, from: number, to: number): LabeledData {
  const width = d.features.length / d.labels.length;
  return { ...d, features: d.features.slice(from * width, to * width), labels: d.labels.slice(from, to) };
}

async function run(members: LabeledData, nonMembers: LabeledData, population: LabeledData, onSignals?: (s: AuditSignals) => void) {
  const target = await openOnnxModel(await fixtureBytes("digits-mlp.onnx"), "digits-mlp.onnx");
  try {
    const report = await auditModel({ target, members, nonMembers, population, seed: 0, adversaries: [], attacks: [...ATTACKS], shadows: 4, epochs: 15, engine: "fused", attackOptions: { alpha: 0.1 }, ...(onSignals ? { onSignals } : {}) });
    return report.runs[0]!.attacks;
  } finally {
    await target.dispose();
  }
}

test("above chance on the overfit target's members vs non-members; the quantile attack's achieved FPR near its alpha", async () => {
  const [members, nonMembers, population] = await Promise.all([fixtureRecords("digits-mlp", "members"), fixtureRecords("digits-mlp", "nonmembers"), fixtureRecords("digits-mlp", "population")]);
  let signals: AuditSignals | undefined;
  const attacks = await run(members, nonMembers, population, (s) => (signals = s));
  assert.equal(attacks.map((a) => a.name), NAMES);
  for (const a of attacks) assert.ok(a.metrics.auc > 0.52, `${a.name} AUC ${a.metrics.auc}`);
  const quantile = attacks.find((a) => a.name === "quantile")!.metrics;
  const fpr = quantile.fp / (quantile.fp + quantile.tn);
  assert.ok(fpr > 0.03 && fpr < 0.2, `quantile FPR at alpha 0.1: ${fpr}`);
  assert.match(quantile.thresholdRule, new RegExp(`asked FPR 0.1, achieved ${fpr.toFixed(4)}`));
  assert.match(attacks.find((a) => a.name === "lira-online-global")!.title, /global \(fixed\) variance/);

  // --save-signals: the arrays and their shapes.
  const npz = parseNpz(encodeSignalsNpz(signals!), "signals.npz");
  const shapes = Object.fromEntries([...npz].map(([name, array]) => [name, [array.dtype, ...array.shape]]));
  assert.equal(shapes, {
    target_posteriors: ["<f4", 898, 10],
    reference_posteriors: ["<f4", 4, 898, 10],
    in_out: ["|u1", 4, 898],
    labels: ["<i4", 898],
    membership: ["|u1", 898],
    population_target_posteriors: ["<f4", 898, 10],
    population_reference_posteriors: ["<f4", 4, 898, 10],
    population_labels: ["<i4", 898],
  });
  assert.equal([...npz.get("membership")!.data.slice(447, 451)], [1, 1, 0, 0]);
  assert.equal([...npz.get("labels")!.data.slice(0, 449)], [...members.labels]);
  assert.equal(npz.get("in_out")!.data.slice(0, 898), signals!.included[0]);
});

test("near 0.5 AUC when neither set trained the target (its non-members, halved)", async () => {
  const [nonMembers, population] = await Promise.all([fixtureRecords("digits-mlp", "nonmembers"), fixtureRecords("digits-mlp", "population")]);
  const attacks = await run(slice(nonMembers, 0, 224), slice(nonMembers, 224, 448), population);
  assert.equal(attacks.map((a) => a.name), NAMES);
  // 224 records a side: the AUC's standard error is about 0.027.
  for (const a of attacks) assert.ok(Math.abs(a.metrics.auc - 0.5) < 0.09, `${a.name} AUC ${a.metrics.auc}`);
});

test("audit(): the same attacks on a purchase target it trains, above chance; signals per defence", async () => {
  const purchase = await loadDataset("purchase", { source: bundledDataSource() });
  const delivered: string[] = [];
  const report = await audit({ dataset: purchase, seed: 7, partSize: 100, epochs: 10, shadows: 2, engine: "fused", adversaries: [], attacks: [...ATTACKS], onSignals: (s, defence) => delivered.push(`${defence}: ${s.referencePosteriors.length} x ${s.targetPosteriors.rows}`) });
  const attacks = report.runs[0]!.attacks;
  assert.equal(attacks.map((a) => a.name), NAMES);
  for (const a of attacks) assert.ok(a.metrics.auc > 0.55, `${a.name} AUC ${a.metrics.auc}`);
  assert.equal(delivered, ["none: 2 x 200"]);
});

test.run();
