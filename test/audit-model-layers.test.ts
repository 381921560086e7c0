// auditModel() on a tfjs LayersModel saved by model.save: the attacker's shadows rebuild the target's
// own topology (model kind "layers") with fresh seeded weights, and the report says so.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "../src/models/tfjs/tf.js";
import { auditModel } from "../src/audit-model.js";
import { initKernels } from "../src/kernels/index.js";
import { initModelBackend } from "../src/models/backend.js";
import { runTrainingJob } from "../src/models/parallel.js";
import { openTfjsModel } from "../src/targets/tfjs.js";
import { fingerprintReport } from "../src/report/json.js";
import { fixtureRecords } from "./targets-fixtures.js";

const test = suite("audit model (tfjs LayersModel target, shadows from its topology)");

test("a LayersModel target: shadows of kind 'layers', adversary 1 and Shokri run on them", async () => {
  await initKernels();
  await initModelBackend();
  const [members, nonMembers, population] = await Promise.all([fixtureRecords("digits-mlp", "members"), fixtureRecords("digits-mlp", "nonmembers"), fixtureRecords("digits-mlp", "population")]);
  const model = tf.sequential({
    name: "user_mlp",
    layers: [
      tf.layers.dense({ inputShape: [64], units: 64, activation: "tanh", kernelInitializer: "zeros", name: "hidden" }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: "zeros", name: "scores" }),
    ],
  });
  const files = new Map<string, Uint8Array>();
  const save = () =>
    model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const json = { modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy, weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }] };
        files.set("model.json", new TextEncoder().encode(JSON.stringify(json)));
        files.set("weights.bin", new Uint8Array((artifacts.weightData as ArrayBuffer).slice(0)));
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
      }),
    );
  await save();
  const topology = (JSON.parse(new TextDecoder().decode(files.get("model.json"))) as { modelTopology: object }).modelTopology;
  // The user's training, seeded: the same topology trained on the members, weights saved with model.save.
  const trained = await runTrainingJob({ kind: "layers", spec: { inputShape: [64], numClasses: 10, topology }, data: members, options: { seed: 1, epochs: 30, batchSize: 50, learningRate: 0.01 }, predict: [] });
  model.setWeights(trained.weights.map((w, i) => tf.tensor(w, model.getWeights()[i]!.shape)));
  await save();
  model.dispose();
  const target = await openTfjsModel(files.get("model.json")!, async (path) => files.get(path)!, "user/model.json");
  const options = { target, members, nonMembers, population, seed: 0, adversaries: [1] as const, attacks: ["shokri"] as const, epochs: 10, attackEpochs: 10, shadows: 2 };
  const report = await auditModel(options);
  const run = report.runs[0]!;
  assert.is(run.target.source, "tfjs-layers");
  assert.is(report.config.shadowModel, "layers");
  assert.match(String(report.config.shadowArchitecture), /the target's own tfjs topology/);
  assert.equal(run.attacks.map((a) => a.name), ["adversary-1", "shokri"]);
  assert.ok(run.target.gap! > 0, `gap ${run.target.gap}`);
  assert.is(await fingerprintReport(report), await fingerprintReport(await auditModel(options)));
  await target.dispose();
});

test.run();
