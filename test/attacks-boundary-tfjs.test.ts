// The label-only boundary attack through a tfjs LayersModel target (model.json + weights, as
// tf.LayersModel.save writes them), an MLP trained on 150 digits records (the project's 'layers'
// kind, seeded): above chance on its members vs 150 non-members; the budget holds; a second run
// gives the same figures.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { auditModel } from "../src/audit-model.js";
import { initKernels } from "../src/kernels/index.js";
import { initModelBackend } from "../src/models/backend.js";
import { runTrainingJob } from "../src/models/parallel.js";
import { openTfjsModel } from "../src/targets/tfjs.js";
import type { LabeledData } from "../src/types.js";
import { fixtureRecords } from "./targets-fixtures.js";

const test = suite("label-only boundary attack on a tfjs LayersModel");

function slice(d: LabeledData, from: number, to: number): LabeledData {
  return { ...d, features: d.features.slice(from * 64, to * 64), labels: d.labels.slice(from, to) };
}

test("a trained tfjs MLP: above chance, within the budget, the same figures twice", async () => {
  await initKernels();
  await initModelBackend();
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [64], units: 32, activation: "relu", kernelInitializer: "zeros" }), tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: "zeros" })] });
  const [members, nonMembers] = [slice(await fixtureRecords("digits-mlp", "members"), 0, 150), slice(await fixtureRecords("digits-mlp", "nonmembers"), 0, 150)];
  const save = async () => {
    const files = new Map<string, Uint8Array>();
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const json = { modelTopology: artifacts.modelTopology, format: artifacts.format, weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }] };
        files.set("model.json", new TextEncoder().encode(JSON.stringify(json)));
        files.set("weights.bin", new Uint8Array((artifacts.weightData as ArrayBuffer).slice(0)));
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
      }),
    );
    return files;
  };
  // The topology as saved; the 'layers' kind rebuilds it with its own seeded weights and trains it.
  const topology = (JSON.parse(new TextDecoder().decode((await save()).get("model.json"))) as { modelTopology: object }).modelTopology;
  const trained = await runTrainingJob({ kind: "layers", spec: { inputShape: [64], numClasses: 10, topology }, data: members, options: { seed: 2, epochs: 40, batchSize: 30, learningRate: 0.01 }, predict: [] });
  model.setWeights(trained.weights.map((w, i) => tf.tensor(w, model.getWeights()[i]!.shape)));
  const files = await save();
  model.dispose();
  const target = await openTfjsModel(files.get("model.json")!, async (path) => files.get(path)!, "model.json");
  try {
    const run = async () => {
      const before = target.queries;
      const report = await auditModel({ target, members, nonMembers, seed: 1, adversaries: [], attacks: ["label-only-boundary"], attackOptions: { maxQueries: 30 } });
      assert.ok(target.queries - before <= 300 * 31, `${target.queries - before} queries`);
      return report.runs[0]!.attacks[0]!.metrics;
    };
    const [first, second] = [await run(), await run()];
    assert.equal(second, first);
    assert.ok(first.auc > 0.55, `AUC ${first.auc}`);
    assert.match(first.thresholdRule, /label queries: \d{4,} in all, at most 30 per record of the budget 30/);
  } finally {
    await target.dispose();
  }
});

test.run();
