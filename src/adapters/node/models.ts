// Trained models on disk (Node): a directory with model.json + weights.bin (tfjs LayersModel
// format) and meta.json, or for a stacked model one such directory per base model plus meta-model/
// and stack.json. The set is written into a temporary directory that is renamed into place.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { loadLayersPosteriorModel, layersModelFiles, WEIGHTS_FILE } from "../../models/tfjs/io.js";
import { StackedClassifier, stackPosteriorModels } from "../../defences/stacking.js";
import type { TfjsPosteriorModel } from "../../models/tfjs/classifier.js";
import type { Classifier } from "../../models/types.js";
import type { PosteriorModel } from "../../types.js";
import { MAX_MODEL_JSON_BYTES } from "../../targets/tfjs.js";
import { readFileNamed, writeDirectorySetAtomic, writeFileAtomic } from "./fs.js";


async function writeLayersModel(dir: string, classifier: Classifier): Promise<void> {
  const files = await layersModelFiles(classifier);
  await writeFileAtomic(join(dir, WEIGHTS_FILE), files.weights);
  await writeFileAtomic(join(dir, "model.json"), files.modelJson);
}

/** Writes the trained model and dir/meta.json (pretty JSON of `meta`) into dir, as one set. */
export async function saveModel(dir: string, classifier: Classifier, meta: object): Promise<void> {
  // Weights of one run beside meta.json of another is the failure this prevents: all or nothing.
  await writeDirectorySetAtomic(dir, (entry) => MODEL_SET_ENTRY.test(entry), (staging) => writeModelFiles(staging, classifier, meta));
}

const MODEL_SET_ENTRY = new RegExp(`^(model\\.json|meta\\.json|stack\\.json|meta-model|base-\\d+|${WEIGHTS_FILE.replace(".", "\\.")})$`);

async function writeModelFiles(dir: string, classifier: Classifier, meta: object): Promise<void> {
  if (classifier instanceof StackedClassifier) {
    const bases = classifier.bases.map((b, i) => ({ kind: b.kind, dir: `base-${i}` }));
    for (const [i, base] of classifier.bases.entries()) await writeLayersModel(join(dir, bases[i]!.dir), base);
    await writeLayersModel(join(dir, "meta-model"), classifier.meta);
    await writeFileAtomic(join(dir, "stack.json"), JSON.stringify({ bases, meta: { kind: classifier.meta.kind, dir: "meta-model" } }, null, 2) + "\n");
  } else {
    await writeLayersModel(dir, classifier);
  }
  await writeFileAtomic(join(dir, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
}

/** Loads a model saved by `mlleaks train` (single or stacked), or any tfjs LayersModel: `path`
 *  is its directory or its model.json. */
export async function loadModel(path: string): Promise<PosteriorModel> {
  return (await loadModelParts(path)).model;
}

/** A loaded model and the LayersModels it is made of (one, or the bases then the meta model), in
 *  the order of Classifier.weights(); `dir` is the model's directory. */
export interface LoadedModelParts {
  readonly model: PosteriorModel & { readonly inputShape: readonly number[] };
  readonly parts: readonly TfjsPosteriorModel[];
  readonly dir: string;
  readonly stacked: boolean;
}

export async function loadModelParts(path: string): Promise<LoadedModelParts> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new Error(`${path}: no such file or directory (expected a model directory or a model.json)`);
  const dir = info.isDirectory() ? path : join(path, "..");
  if (info.isDirectory()) {
    const stack = await readFile(join(dir, "stack.json"), "utf8").catch(() => undefined);
    if (stack !== undefined) {
      const parts = await loadStackedParts(dir, stack);
      return { model: stackPosteriorModels(parts.slice(0, -1), parts[parts.length - 1]!), parts, dir, stacked: true };
    }
  }
  const model = await loadLayers(info.isDirectory() ? join(dir, "model.json") : path);
  return { model, parts: [model], dir, stacked: false };
}

async function loadLayers(modelJsonPath: string): Promise<TfjsPosteriorModel> {
  const bytes = await readFileNamed(modelJsonPath);
  if (bytes.byteLength > MAX_MODEL_JSON_BYTES) throw new Error(`${modelJsonPath}: ${bytes.byteLength} bytes, more than a model.json can be (${MAX_MODEL_JSON_BYTES})`);
  const dir = join(modelJsonPath, "..");
  return loadLayersPosteriorModel(new TextDecoder().decode(bytes), (file) => readFileNamed(join(dir, file)), modelJsonPath);
}

async function loadStackedParts(dir: string, text: string): Promise<TfjsPosteriorModel[]> {
  const where = join(dir, "stack.json");
  let stack: { bases?: Array<{ dir?: unknown }>; meta?: { dir?: unknown } };
  try {
    stack = JSON.parse(text) as typeof stack;
  } catch (error) {
    throw new Error(`${where}: not JSON (${(error as Error).message})`);
  }
  const dirs = [...(stack.bases ?? []).map((b) => b.dir), stack.meta?.dir];
  if (dirs.length < 3 || dirs.some((d) => typeof d !== "string" || d.includes("..") || d.includes("/"))) {
    throw new Error(`${where}: expected bases (two or more) and meta, each with a sub-directory name`);
  }
  const models = [];
  for (const d of dirs as string[]) models.push(await loadLayers(join(dir, d, "model.json")));
  return models;
}
