// tfjs models (model.json + weight files) as TargetModels: a LayersModel as `model.save` writes
// it, or a GraphModel as tfjs's converter writes it, run on tfjs-backend-wasm. The bytes come from
// a caller-supplied reader (the Node adapter reads files; openTfjsModelUrl fetches), so this core
// touches no file system.
import * as tf from "../models/tfjs/tf.js";
import { initModelBackend } from "../models/backend.js";
import { readModelArtifacts } from "../models/tfjs/io.js";
import type { Posteriors } from "../types.js";
import { toPosteriors } from "./output.js";
import { checkFeatures } from "./shape.js";
import type { OutputChoice, OutputKind, TargetModel, TargetSource } from "./types.js";

export interface TfjsModelOptions {
  /** Records per predict call (default 500). */
  readonly batchSize?: number;
  /** What the output is (default "auto": detected from the first answers). */
  readonly output?: OutputChoice;
  /** GraphModels with several inputs or outputs: which to feed and which holds the class scores. */
  readonly inputName?: string;
  readonly outputName?: string;
}

/** Reads a file named in model.json's weightsManifest (a path relative to model.json's folder). */
export type ModelFileReader = (path: string) => Promise<Uint8Array>;

export const TFJS_DEFAULT_BATCH_SIZE = 500;
/** model.json holds the topology only (weights are separate files): 64 MB is far beyond any. */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

type Runner = (x: tf.Tensor) => tf.Tensor;

/**
 * Opens a tfjs model from its model.json (bytes or text) and a reader for the weight files it
 * names. `location` (a path or URL) names it in errors and reports.
 */
export async function openTfjsModel(modelJson: Uint8Array | string, readWeights: ModelFileReader, location: string, options: TfjsModelOptions = {}): Promise<TargetModel> {
  const output = options.output ?? "auto";
  if (output !== "auto" && output !== "probabilities" && output !== "logits") throw new Error(`output: expected auto, probabilities or logits, got '${String(output)}'`);
  const batchSize = options.batchSize ?? TFJS_DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`batchSize: expected a positive integer, got ${String(batchSize)}`);
  if (typeof modelJson !== "string" && modelJson.byteLength > MAX_MODEL_JSON_BYTES) {
    throw new Error(`${location}: ${modelJson.byteLength} bytes, more than a model.json can be (${MAX_MODEL_JSON_BYTES})`);
  }
  const text = typeof modelJson === "string" ? modelJson : new TextDecoder().decode(modelJson);
  const artifacts = await readModelArtifacts(text, readWeights, location);
  await initModelBackend();
  const handler = tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData: artifacts.weightData });
  if (artifacts.format === "layers-model") {
    if (options.inputName !== undefined || options.outputName !== undefined) throw new Error(`${location}: inputName/outputName apply to GraphModels; this is a LayersModel (one input, one output)`);
    let model: tf.LayersModel;
    try {
      model = await tf.loadLayersModel(handler);
    } catch (error) {
      throw new Error(`${location}: tfjs cannot load this LayersModel: ${(error as Error).message}`);
    }
    try {
      if (model.inputs.length !== 1 || model.outputs.length !== 1) {
        throw new Error(`${location}: expected a LayersModel with one input and one output, got ${model.inputs.length} inputs and ${model.outputs.length} outputs`);
      }
      const shape = recordShape(model.inputs[0]!.shape, location, "the input");
      const classes = classCount(model.outputs[0]!.shape, location, "the output");
      return new TfjsTargetModel("tfjs-layers", location, shape, classes, output, batchSize, (x) => model.predict(x) as tf.Tensor, () => model.dispose(), artifacts.modelTopology);
    } catch (error) {
      model.dispose();
      throw error;
    }
  }
  let graph: tf.GraphModel;
  try {
    graph = await tf.loadGraphModel(handler);
  } catch (error) {
    throw new Error(`${location}: tfjs cannot load this GraphModel: ${(error as Error).message}`);
  }
  try {
    const input = pickTensor(graph.inputs, options.inputName, "input", location);
    const out = pickTensor(graph.outputs, options.outputName, "output", location);
    if (graph.inputs.length !== 1) throw new Error(`${location}: the GraphModel has ${graph.inputs.length} inputs; only single-input models can be audited`);
    const shape = recordShape(input.shape, location, `input '${input.name}'`);
    // A converted graph may leave the output's shape unstated: one record tells the class count.
    const classes = out.shape ? classCount(out.shape, location, `output '${out.name}'`) : probeClasses(graph, input.name, out.name, shape, location);
    const run: Runner = (x) => graph.execute({ [input.name]: x }, out.name) as tf.Tensor;
    return new TfjsTargetModel("tfjs-graph", location, shape, classes, output, batchSize, run, () => graph.dispose());
  } catch (error) {
    graph.dispose();
    throw error;
  }
}

/**
 * Opens a tfjs model from an http(s) URL of its model.json; weight files are fetched relative to
 * it. `fetchImpl` defaults to the global fetch.
 */
export async function openTfjsModelUrl(url: string, options: TfjsModelOptions & { readonly fetch?: typeof fetch } = {}): Promise<TargetModel> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(`model URL: '${url}' is not a URL (expected http(s)://.../model.json)`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error(`model URL: '${url}' is not http(s)`);
  const get = options.fetch ?? fetch;
  const download = async (target: URL): Promise<Uint8Array> => {
    let response: Response;
    try {
      response = await get(target);
    } catch (error) {
      throw new Error(`${target.href}: cannot fetch (${(error as Error).message})`);
    }
    if (!response.ok) throw new Error(`${target.href}: HTTP ${response.status} ${response.statusText}`.trim());
    return new Uint8Array(await response.arrayBuffer());
  };
  const modelJson = await download(base);
  const { fetch: _fetch, ...rest } = options;
  return openTfjsModel(modelJson, (path) => download(new URL(path, base)), base.href, rest);
}

function recordShape(shape: readonly (number | null)[] | undefined, location: string, what: string): number[] {
  const axes = shape?.slice(1) ?? [];
  if (!shape || axes.length === 0 || !axes.every((d): d is number => typeof d === "number" && d > 0)) {
    throw new Error(`${location}: ${what} has shape ${JSON.stringify(shape ?? null)}; expected [batch, ...fixed record axes]`);
  }
  return axes;
}

function classCount(shape: readonly (number | null)[], location: string, what: string): number {
  const classes = shape[shape.length - 1];
  if (shape.length !== 2 || typeof classes !== "number" || classes < 2) {
    throw new Error(`${location}: ${what} has shape ${JSON.stringify(shape)}; expected [batch, classes] with 2 or more classes`);
  }
  return classes;
}

function pickTensor(infos: readonly tf.ModelTensorInfo[], name: string | undefined, what: "input" | "output", location: string): tf.ModelTensorInfo {
  const list = () => infos.map((i) => `'${i.name}' ${JSON.stringify(i.shape ?? null)}`).join(", ");
  if (name !== undefined) {
    const found = infos.find((i) => i.name === name);
    if (!found) throw new Error(`${location}: no ${what} named '${name}'; the model's ${what}s are ${list()}`);
    return found;
  }
  if (infos.length !== 1) throw new Error(`${location}: the model has ${infos.length} ${what}s (${list()}); say which with ${what}Name (--${what}-name)`);
  return infos[0]!;
}

function probeClasses(graph: tf.GraphModel, input: string, output: string, shape: readonly number[], location: string): number {
  const out = tf.tidy(() => graph.execute({ [input]: tf.zeros([1, ...shape]) }, output) as tf.Tensor);
  const dims = out.shape;
  out.dispose();
  return classCount(dims.map((d, i) => (i === 0 ? null : d)), location, `output '${output}'`);
}

class TfjsTargetModel implements TargetModel {
  readonly kind: string;
  outputKind: OutputChoice;
  queries = 0;

  constructor(
    readonly source: TargetSource,
    readonly location: string,
    readonly inputShape: readonly number[],
    readonly numClasses: number,
    output: OutputChoice,
    private readonly batchSize: number,
    private readonly run: Runner,
    private readonly release: () => void,
    readonly layersTopology?: unknown,
  ) {
    this.kind = source;
    this.outputKind = output;
  }

  async predict(features: Float32Array, rows: number): Promise<Posteriors> {
    const size = checkFeatures(features, rows, this.inputShape, this.location);
    const classes = this.numClasses;
    const raw = new Float32Array(rows * classes);
    for (let start = 0; start < rows; start += this.batchSize) {
      const n = Math.min(this.batchSize, rows - start);
      const out = tf.tidy(() => this.run(tf.tensor(features.subarray(start * size, (start + n) * size), [n, ...this.inputShape], "float32")));
      try {
        if (out.shape.length !== 2 || out.shape[0] !== n || out.shape[1] !== classes) {
          throw new Error(`${this.location}: the output came back with shape [${out.shape.join(", ")}], expected [${n}, ${classes}]`);
        }
        raw.set(await out.data<"float32">(), start * classes);
      } finally {
        out.dispose();
      }
      this.queries += n;
    }
    const { posteriors, kind } = toPosteriors(raw, rows, classes, this.outputKind, `${this.location} output`);
    if (rows > 0) this.outputKind = kind satisfies OutputKind;
    return posteriors;
  }

  async dispose(): Promise<void> {
    this.release();
  }
}
