// ONNX models as TargetModels, run by onnxruntime-web's wasm build: the same runtime in Node, Deno
// and browsers, no native addon. One wasm thread, so the same records give bit-identical outputs.
// Node and Deno find the .wasm beside onnxruntime-web's module; a bundled page passes wasmPaths.
import type * as Ort from "onnxruntime-web/wasm";
import type { Posteriors } from "../types.js";
import { toPosteriors } from "./output.js";
import { checkFeatures } from "./shape.js";
import type { OutputChoice, OutputKind, TargetModel } from "./types.js";

export interface OnnxModelOptions {
  /** The input to feed, when the model has several (default: its only input). */
  readonly inputName?: string;
  /** The output holding the class scores, when the model has several (default: its only output). */
  readonly outputName?: string;
  /** Records per run (default 500). A model with a fixed batch axis runs batches of that size. */
  readonly batchSize?: number;
  /** What the output is (default "auto": detected from the first answers). */
  readonly output?: OutputChoice;
  /** One record's shape, when the model leaves non-batch axes symbolic. */
  readonly inputShape?: readonly number[];
  /** Where onnxruntime-web's files are served from (browser bundles; Node and Deno find them
   *  beside the package): { wasm: URL of ort-wasm-simd-threaded.wasm } for an esbuild bundle (the
   *  glue is bundled), or a URL prefix ending in "/" that serves both the .wasm and the .mjs. */
  readonly wasmPaths?: string | { readonly wasm?: string; readonly mjs?: string };
}

export const ONNX_DEFAULT_BATCH_SIZE = 500;

let runtime: Promise<typeof Ort> | undefined;

/** Loads onnxruntime-web (wasm build) once: one thread, no proxy worker. wasmPaths counts until
 *  the first session starts the wasm module. */
async function loadRuntime(wasmPaths: OnnxModelOptions["wasmPaths"]): Promise<typeof Ort> {
  runtime ??= import("onnxruntime-web/wasm").then((ort) => {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = "error";
    return ort;
  });
  const ort = await runtime;
  if (wasmPaths !== undefined) ort.env.wasm.wasmPaths = wasmPaths as Ort.Env.WasmPrefixOrFilePaths;
  return ort;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]!.trim();
}

type TensorMeta = Ort.InferenceSession.ValueMetadata & { isTensor: true };

function describe(meta: readonly Ort.InferenceSession.ValueMetadata[]): string {
  return meta.map((m) => (m.isTensor ? `'${m.name}' ${m.type} [${m.shape.join(", ")}]` : `'${m.name}' (not a tensor)`)).join(", ");
}

function pick(meta: readonly Ort.InferenceSession.ValueMetadata[], name: string | undefined, what: "input" | "output", location: string): TensorMeta {
  if (name !== undefined) {
    const found = meta.find((m) => m.name === name);
    if (!found) throw new Error(`${location}: no ${what} named '${name}'; the model's ${what}s are ${describe(meta)}`);
    if (!found.isTensor) throw new Error(`${location}: ${what} '${name}' is not a tensor`);
    return found as TensorMeta;
  }
  if (meta.length !== 1) throw new Error(`${location}: the model has ${meta.length} ${what}s (${describe(meta)}); say which with ${what}Name (--${what}-name)`);
  if (!meta[0]!.isTensor) throw new Error(`${location}: ${what} '${meta[0]!.name}' is not a tensor`);
  return meta[0] as TensorMeta;
}

/**
 * Opens an ONNX model (the .onnx file's bytes) as a TargetModel. `location` names it in errors and
 * reports. Input and output names and shapes are read from the model; the first input axis is the
 * batch axis (symbolic, or fixed: then batches are padded to that size).
 */
export async function openOnnxModel(bytes: Uint8Array, location: string, options: OnnxModelOptions = {}): Promise<TargetModel> {
  const output = options.output ?? "auto";
  if (output !== "auto" && output !== "probabilities" && output !== "logits") throw new Error(`output: expected auto, probabilities or logits, got '${String(output)}'`);
  const batchSize = options.batchSize ?? ONNX_DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`batchSize: expected a positive integer, got ${String(batchSize)}`);
  if (bytes.byteLength === 0) throw new Error(`${location}: empty file, expected an ONNX model (a ModelProto protobuf, as torch.onnx.export writes)`);
  const ort = await loadRuntime(options.wasmPaths);
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  } catch (error) {
    // ort reports a runtime that cannot start (its .wasm not found) through session creation too.
    if (/no available backend/i.test(firstLine(error))) {
      throw new Error(
        `onnxruntime-web's wasm runtime failed to start (${firstLine(error)}); in a bundled page, pass wasmPaths: { wasm: URL of ort-wasm-simd-threaded.wasm } ` +
          `or a URL prefix serving both ort-wasm-simd-threaded.wasm and .mjs`,
      );
    }
    throw new Error(`${location}: not a valid ONNX model (expected a ModelProto protobuf, as torch.onnx.export writes); onnxruntime-web said: ${firstLine(error)}`);
  }
  try {
    return new OnnxTargetModel(ort, session, location, options, output, batchSize);
  } catch (error) {
    await session.release();
    throw error;
  }
}

const INPUT_TYPES = new Set(["float32", "float64"]);

class OnnxTargetModel implements TargetModel {
  readonly source = "onnx";
  readonly kind = "onnx";
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly inputName: string;
  readonly outputName: string;
  outputKind: OutputChoice;
  queries = 0;
  private readonly inputType: "float32" | "float64";
  /** The model's fixed batch size, when its first axis is a number. */
  private readonly fixedBatch: number | undefined;
  private readonly batchSize: number;

  constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    readonly location: string,
    options: OnnxModelOptions,
    output: OutputChoice,
    batchSize: number,
  ) {
    const input = pick(session.inputMetadata, options.inputName, "input", location);
    const out = pick(session.outputMetadata, options.outputName, "output", location);
    if (session.inputMetadata.length > 1) {
      throw new Error(`${location}: the model has ${session.inputMetadata.length} inputs (${describe(session.inputMetadata)}); only single-input models can be audited`);
    }
    if (!INPUT_TYPES.has(input.type)) throw new Error(`${location}: input '${input.name}' is ${input.type}; expected float32 or float64 features`);
    if (input.shape.length < 2) throw new Error(`${location}: input '${input.name}' has shape [${input.shape.join(", ")}]; expected a batch axis then the record's axes`);
    const recordAxes = input.shape.slice(1);
    if (options.inputShape !== undefined) {
      const given = options.inputShape;
      const fits = given.length === recordAxes.length && given.every((d, i) => Number.isInteger(d) && d > 0 && (typeof recordAxes[i] !== "number" || recordAxes[i] === d));
      if (!fits) throw new Error(`inputShape: ${JSON.stringify(given)} does not fit input '${input.name}' of shape [${input.shape.join(", ")}] in ${location}`);
      this.inputShape = [...given];
    } else {
      if (!recordAxes.every((d): d is number => typeof d === "number" && d > 0)) {
        throw new Error(`${location}: input '${input.name}' has shape [${input.shape.join(", ")}] with symbolic record axes; give the record's shape (inputShape)`);
      }
      this.inputShape = recordAxes;
    }
    const batchAxis = input.shape[0];
    this.fixedBatch = typeof batchAxis === "number" && batchAxis > 0 ? batchAxis : undefined;
    this.batchSize = this.fixedBatch ?? batchSize;
    const classes = out.shape[out.shape.length - 1];
    if (out.shape.length !== 2 || typeof classes !== "number" || classes < 2) {
      throw new Error(`${location}: output '${out.name}' has shape [${out.shape.join(", ")}]; expected [batch, classes] with 2 or more classes`);
    }
    this.inputName = input.name;
    this.outputName = out.name;
    this.inputType = input.type as "float32" | "float64";
    this.numClasses = classes;
    this.outputKind = output;
  }

  async predict(features: Float32Array, rows: number): Promise<Posteriors> {
    const where = `${this.location} input '${this.inputName}'`;
    const size = checkFeatures(features, rows, this.inputShape, where);
    const classes = this.numClasses;
    const raw = new Float32Array(rows * classes);
    for (let start = 0; start < rows; start += this.batchSize) {
      const n = Math.min(this.batchSize, rows - start);
      const runRows = this.fixedBatch ?? n;
      const slice = features.subarray(start * size, (start + n) * size);
      let data: Float32Array | Float64Array = slice;
      if (this.inputType === "float64" || runRows !== n) {
        data = this.inputType === "float64" ? new Float64Array(runRows * size) : new Float32Array(runRows * size);
        data.set(slice);
      }
      const tensor = new this.ort.Tensor(this.inputType, data, [runRows, ...this.inputShape]);
      let result: Ort.InferenceSession.OnnxValueMapType;
      try {
        result = await this.session.run({ [this.inputName]: tensor }, [this.outputName]);
      } catch (error) {
        throw new Error(`${this.location}: running the model on records ${start}..${start + n - 1} failed: ${firstLine(error)}`);
      } finally {
        tensor.dispose();
      }
      const value = result[this.outputName]!;
      try {
        if (value.type !== "float32" && value.type !== "float64") throw new Error(`${this.location}: output '${this.outputName}' is ${value.type}; expected float32 or float64 scores`);
        if (value.dims.length !== 2 || value.dims[0] !== runRows || value.dims[1] !== classes) {
          throw new Error(`${this.location}: output '${this.outputName}' came back with shape [${value.dims.join(", ")}], expected [${runRows}, ${classes}]`);
        }
        const scores = value.data as Float32Array | Float64Array;
        for (let i = 0; i < n * classes; i++) raw[start * classes + i] = scores[i]!;
      } finally {
        value.dispose();
      }
      this.queries += n;
    }
    // "auto" decides on the first answers; later answers are held to that kind.
    const { posteriors, kind } = toPosteriors(raw, rows, classes, this.outputKind, `${this.location} output '${this.outputName}'`);
    if (rows > 0) this.outputKind = kind satisfies OutputKind;
    return posteriors;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
