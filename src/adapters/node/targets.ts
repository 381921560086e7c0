// Target models from files (Node): an .onnx file, a tfjs model.json (or its folder), or a model
// directory `mlleaks train` wrote, whose meta.json weightsSha256 is checked against the weights.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { openOnnxModel, type OnnxModelOptions } from "../../targets/onnx.js";
import { posteriorTargetModel } from "../../targets/posterior-model.js";
import { openTfjsModel, type TfjsModelOptions } from "../../targets/tfjs.js";
import type { TargetModel } from "../../targets/types.js";
import { sha256OfArrays } from "../../util/sha256.js";
import { readFileNamed } from "./fs.js";
import { loadModelParts } from "./models.js";

/** An .onnx file as a TargetModel (see openOnnxModel for the options). */
export async function openOnnxModelFile(path: string, options: OnnxModelOptions = {}): Promise<TargetModel> {
  return openOnnxModel(await readFileNamed(path), path, options);
}

/** A tfjs model.json (LayersModel or GraphModel), or the folder holding it, as a TargetModel;
 *  weight files are read beside it. */
export async function openTfjsModelFile(path: string, options: TfjsModelOptions = {}): Promise<TargetModel> {
  const isDirectory = (await stat(path).catch(() => undefined))?.isDirectory() === true;
  const modelJsonPath = isDirectory ? join(path, "model.json") : path;
  const dir = join(modelJsonPath, "..");
  return openTfjsModel(await readFileNamed(modelJsonPath), (file) => readFileNamed(join(dir, file)), modelJsonPath, options);
}

/**
 * A model directory written by `mlleaks train` (single or stacked) as a TargetModel. Its weights
 * must hash to meta.json's weightsSha256 (a changed or corrupted weights file is an error).
 */
export async function openMlleaksModel(dir: string): Promise<TargetModel> {
  const metaPath = join(dir, "meta.json");
  let meta: { mlleaks?: unknown; weightsSha256?: unknown; model?: unknown };
  try {
    meta = JSON.parse(new TextDecoder().decode(await readFileNamed(metaPath))) as typeof meta;
  } catch (error) {
    throw new Error(error instanceof SyntaxError ? `${metaPath}: not JSON (${error.message})` : (error as Error).message);
  }
  if (meta?.mlleaks !== "model" || typeof meta.weightsSha256 !== "string") {
    throw new Error(`${metaPath}: expected the meta.json of \`mlleaks train\` ("mlleaks": "model" and a weightsSha256)`);
  }
  const { model, parts, stacked } = await loadModelParts(dir);
  const disposeAll = () => parts.forEach((p) => p.model.dispose());
  const actual = await sha256OfArrays(parts.flatMap((p) => p.model.getWeights().map((w) => w.dataSync() as Float32Array)));
  if (actual !== meta.weightsSha256) {
    disposeAll();
    throw new Error(`${dir}: the weights hash to ${actual} but meta.json's weightsSha256 is ${meta.weightsSha256}; the weight files were changed or corrupted`);
  }
  const layersTopology = stacked ? undefined : (JSON.parse(await readFile(join(dir, "model.json"), "utf8")) as { modelTopology?: unknown }).modelTopology;
  return posteriorTargetModel(model, "mlleaks", dir, { ...(typeof meta.model === "string" ? { kind: meta.model } : {}), layersTopology, dispose: disposeAll });
}
