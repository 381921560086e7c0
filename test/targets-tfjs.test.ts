import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "../src/models/tfjs/tf.js";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTfjsModelFile } from "../src/adapters/node/targets.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { accuracy } from "../src/metrics/accuracy.js";
import { initModelBackend } from "../src/models/backend.js";
import { createClassifier } from "../src/models/create.js";
import { glorotUniform } from "../src/models/init.js";
import { runTrainingJob, trainInParallel, type TrainingJob, type WorkerAdapter } from "../src/models/parallel.js";
import { openTfjsModel, openTfjsModelUrl } from "../src/targets/tfjs.js";
import type { LabeledData } from "../src/types.js";
import { fixtureRecords, rejects } from "./targets-fixtures.js";

const test = suite("targets: tfjs LayersModel / GraphModel, and model kind 'layers' (seeded rebuild of a topology)");

let members: LabeledData;
let nonMembers: LabeledData;
/** The user's model: built with tf.layers, trained here by the 'layers' kind, saved by model.save. */
let files: Map<string, Uint8Array>;
let topology: object;
let trainedHash: string;
let trainedPosteriors: Float32Array;

/** A small Keras-style MLP as a user writes it (zero initializers: weights are set below). */
function userModel(): tf.Sequential {
  return tf.sequential({
    name: "digits_mlp",
    layers: [
      tf.layers.dense({ inputShape: [64], units: 32, activation: "relu", kernelInitializer: "zeros", name: "hidden" }),
      tf.layers.dropout({ rate: 0.25, name: "drop" }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: "zeros", name: "scores" }),
    ],
  });
}

/** What tfjs's file and http save handlers write: model.json (topology + manifest) and weights. */
async function saveToFiles(model: tf.LayersModel): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const json = { modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: null, weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: artifacts.weightSpecs }] };
      out.set("model.json", new TextEncoder().encode(JSON.stringify(json)));
      out.set("group1-shard1of1.bin", new Uint8Array((artifacts.weightData as ArrayBuffer).slice(0)));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
  return out;
}

const reader = (map: Map<string, Uint8Array>) => async (path: string) => {
  const bytes = map.get(path);
  if (!bytes) throw new Error(`${path}: no such file`);
  return bytes;
};

function layersJob(seed: number): TrainingJob {
  return { kind: "layers", spec: { inputShape: [64], numClasses: 10, topology }, data: members, options: { seed, epochs: 5, batchSize: 50, learningRate: 0.01 }, predict: [{ features: members.features, rows: members.labels.length }] };
}

test.before(async () => {
  await initKernels();
  await initModelBackend();
  members = await fixtureRecords("digits-mlp", "members");
  nonMembers = await fixtureRecords("digits-mlp", "nonmembers");
  const model = userModel();
  // Random (seeded) weights first, so the topology saved is that of a real model.save.
  const rng = new Pcg32(5, 1);
  model.setWeights(model.getWeights().map((w) => (w.shape.length === 1 ? tf.zeros(w.shape) : tf.tensor(glorotUniform(rng, w.size, w.shape[0]!, w.shape[1]!), w.shape))));
  topology = (JSON.parse(new TextDecoder().decode((await saveToFiles(model)).get("model.json"))) as { modelTopology: object }).modelTopology;
  // Train the same architecture through the plain-data job path, then save the user's model with it.
  const trained = await runTrainingJob(layersJob(1));
  trainedHash = trained.weightsSha256;
  trainedPosteriors = trained.posteriors[0]!.values;
  model.setWeights(trained.weights.map((w, i) => tf.tensor(w, model.getWeights()[i]!.shape)));
  files = await saveToFiles(model);
  model.dispose();
});

test("kind 'layers': one seed gives identical weight hashes, another seed differs; the layer configs are the topology's", async () => {
  const again = await runTrainingJob(layersJob(1));
  const other = await runTrainingJob(layersJob(2));
  assert.is(again.weightsSha256, trainedHash);
  assert.is.not(other.weightsSha256, trainedHash);
  assert.equal(again.posteriors[0]!.values, trainedPosteriors);
  assert.ok(accuracy(again.posteriors[0]!, members.labels) > 0.9, "it trains: members fit");

  const rebuilt = await createClassifier("layers", { inputShape: [64], numClasses: 10, topology });
  const original = await tf.models.modelFromJSON({ modelTopology: topology } as never);
  try {
    const layersOf = (m: tf.LayersModel) => (m as unknown as { layers: tf.layers.Layer[] }).layers;
    const configs = (m: tf.LayersModel) =>
      layersOf(m).map((l) => {
        const { kernelInitializer: _k, biasInitializer: _b, activation, ...rest } = l.getConfig() as Record<string, unknown>;
        return { className: l.getClassName(), activation, ...rest };
      });
    const ours = configs((rebuilt as unknown as { model: tf.LayersModel }).model);
    const theirs = configs(original);
    assert.is(ours.length, 3);
    // Same layers and settings; the output's softmax runs in float64 on the logits instead.
    assert.equal(ours.slice(0, 2), theirs.slice(0, 2));
    assert.equal({ ...ours[2], activation: "softmax" }, theirs[2]);
    assert.is(ours[2]!.activation, "linear");
  } finally {
    rebuilt.dispose();
    original.dispose();
  }
});

async function runtimeWorkers(): Promise<WorkerAdapter> {
  if ("Deno" in globalThis) return (await import("../src/adapters/deno/workers.js")).denoWorkers;
  return (await import("../src/adapters/node/workers.js")).nodeWorkers;
}

test("kind 'layers' as plain-data jobs in worker threads: the same bits as in this thread", async () => {
  const [inWorker] = await trainInParallel([layersJob(1)], { adapter: await runtimeWorkers(), workers: 1 });
  assert.is(inWorker!.weightsSha256, trainedHash);
  assert.equal(inWorker!.posteriors[0]!.values, trainedPosteriors);
});

test("kind 'layers': bad topologies and specs are named errors", async () => {
  await rejects(() => createClassifier("layers", { inputShape: [64], numClasses: 10 }), /topology: model kind 'layers' needs spec\.topology/);
  await rejects(() => createClassifier("layers", { inputShape: [65], numClasses: 10, topology }), /topology: its input takes records of shape \[64\], spec\.inputShape is \[65\]/);
  await rejects(() => createClassifier("layers", { inputShape: [64], numClasses: 3, topology }), /topology: expected one output \[batch, 3\]/);
  const withNorm = JSON.parse(JSON.stringify(topology)) as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
  withNorm.config.layers[1] = { class_name: "BatchNormalization", config: { name: "bn" } };
  await rejects(() => createClassifier("layers", { inputShape: [64], numClasses: 10, topology: withNorm }), /topology: layer 'bn' is a BatchNormalization/);
  await rejects(() => createClassifier("layers", { inputShape: [64], numClasses: 10, topology: { nonsense: true } }), /topology: expected a tfjs LayersModel topology/);
});

test("a LayersModel saved by model.save opens as a TargetModel: posteriors, topology, output detection", async () => {
  const target = await openTfjsModel(files.get("model.json")!, reader(files), "memory://digits_mlp/model.json", { batchSize: 100 });
  try {
    assert.is(target.source, "tfjs-layers");
    assert.equal([...target.inputShape!], [64]);
    assert.is(target.numClasses, 10);
    assert.equal(target.layersTopology, topology);
    const p = await target.predict(members.features, members.labels.length);
    assert.is(target.outputKind, "probabilities");
    assert.is(target.queries, members.labels.length);
    // tfjs's softmax in float32 against ours in float64 from the same logits.
    for (let i = 0; i < p.values.length; i++) assert.ok(Math.abs(p.values[i]! - trainedPosteriors[i]!) < 1e-6, `value ${i}`);
    const pn = await target.predict(nonMembers.features, nonMembers.labels.length);
    assert.ok(accuracy(p, members.labels) > accuracy(pn, nonMembers.labels), "members fit better than non-members");
    await rejects(() => target.predict(members.features.subarray(0, 630), 10), /memory:\/\/digits_mlp\/model\.json: got records of 63 values; the model's input is \[64\] per record \(64 values\)/);
  } finally {
    await target.dispose();
  }
});

/** The same MLP as a GraphModel in the converter's JSON (Placeholder, Const, MatMul, BiasAdd, ...). */
function graphModelFiles(): Map<string, Uint8Array> {
  const layers = JSON.parse(new TextDecoder().decode(files.get("model.json"))) as { weightsManifest: Array<{ weights: Array<{ name: string; shape: number[] }> }> };
  const specs = layers.weightsManifest[0]!.weights;
  const names = ["w1", "b1", "w2", "b2"];
  const dim = (shape: number[]) => ({ dim: shape.map((size) => ({ size: String(size) })) });
  const f32 = { type: "DT_FLOAT" };
  const node = (name: string, op: string, input: string[], attr: object = {}) => ({ name, op, input, attr: { T: f32, ...attr } });
  const consts = specs.map((s, i) => ({ name: names[i], op: "Const", attr: { value: { tensor: { dtype: "DT_FLOAT", tensorShape: dim(s.shape) } }, dtype: f32 } }));
  const graph = {
    format: "graph-model",
    generatedBy: "2.16.1",
    convertedBy: "TensorFlow.js Converter v4.22.0",
    modelTopology: {
      node: [
        { name: "input", op: "Placeholder", attr: { dtype: f32, shape: { shape: dim([-1, 64]) } } },
        ...consts,
        node("hidden/MatMul", "MatMul", ["input", "w1"], { transpose_a: { b: false }, transpose_b: { b: false } }),
        node("hidden/BiasAdd", "BiasAdd", ["hidden/MatMul", "b1"], { data_format: { s: "TkhXQw==" } }),
        node("hidden/Relu", "Relu", ["hidden/BiasAdd"]),
        node("scores/MatMul", "MatMul", ["hidden/Relu", "w2"], { transpose_a: { b: false }, transpose_b: { b: false } }),
        node("scores/BiasAdd", "BiasAdd", ["scores/MatMul", "b2"], { data_format: { s: "TkhXQw==" } }),
        node("Identity", "Identity", ["scores/BiasAdd"]),
      ],
      library: {},
      versions: { producer: 1645 },
    },
    weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: specs.map((s, i) => ({ ...s, name: names[i] })) }],
  };
  return new Map([
    ["model.json", new TextEncoder().encode(JSON.stringify(graph))],
    ["group1-shard1of1.bin", files.get("group1-shard1of1.bin")!],
  ]);
}

test("a GraphModel (converter format, logits output) opens as a TargetModel; logits detected and softmaxed", async () => {
  const graphFiles = graphModelFiles();
  const target = await openTfjsModel(graphFiles.get("model.json")!, reader(graphFiles), "graph/model.json");
  try {
    assert.is(target.source, "tfjs-graph");
    assert.is(target.layersTopology, undefined);
    assert.equal([...target.inputShape!], [64]);
    assert.is(target.numClasses, 10);
    const p = await target.predict(members.features, members.labels.length);
    assert.is(target.outputKind, "logits");
    for (let i = 0; i < p.values.length; i++) assert.ok(Math.abs(p.values[i]! - trainedPosteriors[i]!) < 1e-6, `value ${i}`);
  } finally {
    await target.dispose();
  }
  await rejects(() => openTfjsModel(graphFiles.get("model.json")!, reader(graphFiles), "graph/model.json", { inputName: "pixels" }), /graph\/model\.json: no input named 'pixels'; the model's inputs are 'input' \[-1,64\]/);
});

test("from a folder (Node adapter) and from an http URL: the same bits as from memory", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mlleaks-tfjs-"));
  const server: Server = createServer((request, response) => {
    const bytes = files.get((request.url ?? "").replace("/models/mlp/", ""));
    response.writeHead(bytes ? 200 : 404).end(bytes ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    for (const [name, bytes] of files) await writeFile(join(dir, name), bytes);
    const port = (server.address() as { port: number }).port;
    const memory = await openTfjsModel(files.get("model.json")!, reader(files), "memory");
    const fromDir = await openTfjsModelFile(dir);
    const fromUrl = await openTfjsModelUrl(`http://127.0.0.1:${port}/models/mlp/model.json`);
    const rows = nonMembers.labels.length;
    const expected = (await memory.predict(nonMembers.features, rows)).values;
    assert.equal((await fromDir.predict(nonMembers.features, rows)).values, expected);
    assert.equal((await fromUrl.predict(nonMembers.features, rows)).values, expected);
    assert.is(fromUrl.location, `http://127.0.0.1:${port}/models/mlp/model.json`);
    for (const m of [memory, fromDir, fromUrl]) await m.dispose();
    await rejects(() => openTfjsModelUrl(`http://127.0.0.1:${port}/models/none/model.json`), /http:\/\/127\.0\.0\.1:\d+\/models\/none\/model\.json: HTTP 404/);
    await rejects(() => openTfjsModelUrl("ftp://example.org/model.json"), /model URL: 'ftp:\/\/example\.org\/model\.json' is not http\(s\)/);
    await writeFile(join(dir, "group1-shard1of1.bin"), new Uint8Array(10));
    await rejects(() => openTfjsModelFile(join(dir, "model.json")), /model\.json: tfjs cannot load this LayersModel/);
    await rm(join(dir, "group1-shard1of1.bin"));
    await rejects(() => openTfjsModelFile(dir), /group1-shard1of1\.bin: no such file/);
    await writeFile(join(dir, "model.json"), "{ not json");
    await rejects(() => openTfjsModelFile(dir), /model\.json: not JSON/);
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
