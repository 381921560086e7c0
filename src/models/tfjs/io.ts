// Models in tfjs's LayersModel format (model.json + binary weights), portable: the runtime adapter
// reads and writes the bytes. Any engine whose weights() follow the layout (layer by layer, kernel
// then bias, in tfjs shapes) saves as the same LayersModel the tfjs engine trains.
import * as tf from "./tf.js";
import { architecture } from "../architectures.js";
import { initModelBackend } from "../backend.js";
import type { BuiltInModelKind, Classifier } from "../types.js";
import { MODEL_KINDS } from "../types.js";
import { buildLayersModel, TfjsPosteriorModel } from "./classifier.js";

export const WEIGHTS_FILE = "weights.bin";

export interface SavedModelFiles {
  /** model.json's text: topology plus weightsManifest pointing at WEIGHTS_FILE. */
  readonly modelJson: string;
  readonly weights: Uint8Array;
}

/** A trained classifier (of one of MODEL_KINDS) as tfjs LayersModel files. */
export async function layersModelFiles(classifier: Classifier): Promise<SavedModelFiles> {
  if (!MODEL_KINDS.includes(classifier.kind as BuiltInModelKind)) throw new Error(`model: cannot save a '${classifier.kind}' model as one tfjs LayersModel`);
  await initModelBackend();
  const model = buildLayersModel(architecture(classifier.kind as BuiltInModelKind, classifier.inputShape, classifier.numClasses), classifier.inputShape);
  try {
    const weights = classifier.weights();
    const variables = model.getWeights();
    if (weights.length !== variables.length || weights.some((w, i) => w.length !== variables[i]!.size)) {
      throw new Error(`model: its weights (${weights.map((w) => w.length).join(", ")} values) do not fit the ${classifier.kind} layout (${variables.map((v) => v.size).join(", ")})`);
    }
    model.setWeights(weights.map((w, i) => tf.tensor(w, variables[i]!.shape)));
    let files: SavedModelFiles | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const json = {
          format: artifacts.format ?? "layers-model",
          generatedBy: artifacts.generatedBy,
          convertedBy: "mlleaks",
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
        };
        const data = artifacts.weightData as ArrayBuffer;
        files = { modelJson: JSON.stringify(json), weights: new Uint8Array(data.slice(0)) };
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
      }),
    );
    return files!;
  } finally {
    model.dispose();
  }
}

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: Array<{ paths?: unknown; weights?: unknown }>;
  format?: string;
}

/** model.json's contents with its weights joined, ready for tf.io.fromMemory. */
export interface ModelArtifactsRead {
  /** "layers-model" (model.save) or "graph-model" (tfjs's converter), from `format` or the topology. */
  readonly format: "layers-model" | "graph-model";
  readonly modelTopology: object;
  readonly weightSpecs: tf.io.WeightsManifestEntry[];
  readonly weightData: ArrayBuffer;
}

/** Parses a model.json and reads the weight files its manifest names, with `readWeights(path)`
 *  (paths relative to model.json's folder); `where` names the model in errors. */
export async function readModelArtifacts(modelJsonText: string, readWeights: (path: string) => Promise<Uint8Array>, where: string): Promise<ModelArtifactsRead> {
  let json: ModelJson;
  try {
    json = JSON.parse(modelJsonText) as ModelJson;
  } catch (error) {
    throw new Error(`${where}: not JSON (${(error as Error).message})`);
  }
  if (!json || typeof json !== "object" || !json.modelTopology || typeof json.modelTopology !== "object") {
    throw new Error(`${where}: no modelTopology; expected a tfjs model.json (LayersModel or GraphModel)`);
  }
  const isGraph = Array.isArray((json.modelTopology as { node?: unknown }).node);
  const format = json.format ?? (isGraph ? "graph-model" : "layers-model");
  if (format !== "layers-model" && format !== "graph-model") throw new Error(`${where}: format is '${format}', expected 'layers-model' or 'graph-model'`);
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${where}: weightsManifest missing or not a list`);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const [g, group] of json.weightsManifest.entries()) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new Error(`${where}: weightsManifest[${g}] needs paths and weights lists`);
    weightSpecs.push(...(group.weights as tf.io.WeightsManifestEntry[]));
    for (const path of group.paths) {
      if (typeof path !== "string" || path.includes("..") || path.startsWith("/")) throw new Error(`${where}: weightsManifest[${g}].paths holds '${String(path)}', expected a file name beside model.json`);
      buffers.push(await readWeights(path));
    }
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  return { format, modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer };
}

/** Loads a tfjs LayersModel (ours or saved elsewhere) as a PosteriorModel. `readWeights(path)`
 *  returns a weights file named in the manifest; `where` names the model in errors. The model's
 *  output must be a softmax: posteriors, as the attacks expect. */
export async function loadLayersPosteriorModel(
  modelJsonText: string,
  readWeights: (path: string) => Promise<Uint8Array>,
  where: string,
): Promise<TfjsPosteriorModel> {
  const { format, modelTopology, weightSpecs, weightData } = await readModelArtifacts(modelJsonText, readWeights, where);
  if (format !== "layers-model") throw new Error(`${where}: format is '${format}', expected 'layers-model' (graph models are not supported here)`);
  await initModelBackend();
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
  } catch (error) {
    throw new Error(`${where}: tfjs cannot load this LayersModel: ${(error as Error).message}`);
  }
  const input = model.inputs[0]!.shape.slice(1);
  const output = model.outputs[0]!.shape;
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || output.length !== 2 || input.some((d) => d === null)) {
    model.dispose();
    throw new Error(`${where}: expected one input of fixed shape and one output [batch, classes], got inputs ${JSON.stringify(model.inputs.map((i) => i.shape))}, outputs ${JSON.stringify(model.outputs.map((o) => o.shape))}`);
  }
  const last = model.layers[model.layers.length - 1]!.getConfig() as { activation?: string };
  if (last.activation !== "softmax") {
    model.dispose();
    throw new Error(`${where}: the last layer's activation is '${String(last.activation)}', expected 'softmax' (the attacks need posteriors)`);
  }
  const kind = model.name && !/^sequential_\d+$/.test(model.name) ? model.name : "tfjs-layers";
  return new TfjsPosteriorModel(kind, model, input as number[], output[1] as number);
}
