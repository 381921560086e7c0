// createClassifier(): one entry point for every engine. tfjs is built in; the fused dense engine
// plugs in with registerEngine("fused", factory).
import { createTfjsClassifier } from "./tfjs/classifier.js";
import type { Classifier, ClassifierFactory, Engine, ModelKind, ModelSpec } from "./types.js";
import { MODEL_KINDS } from "./types.js";

const engines = new Map<Engine, ClassifierFactory>([["tfjs", createTfjsClassifier]]);

export function registerEngine(engine: Engine, factory: ClassifierFactory): void {
  engines.set(engine, factory);
}

/** An untrained classifier of this kind; call fit() next. Initialises the engine's backend. */
export async function createClassifier(kind: ModelKind, spec: ModelSpec): Promise<Classifier> {
  if (kind !== "layers" && !MODEL_KINDS.includes(kind)) throw new Error(`model kind: expected one of ${[...MODEL_KINDS, "layers"].join(", ")}, got '${String(kind)}'`);
  if ((kind === "layers") !== (spec.topology !== undefined)) throw new Error(kind === "layers" ? "topology: model kind 'layers' needs spec.topology (a tfjs model.json's modelTopology)" : `topology: only model kind 'layers' takes a topology, not '${kind}'`);
  checkSpec(spec);
  const engine = spec.engine ?? "tfjs";
  const factory = engines.get(engine);
  if (!factory) throw new Error(`engine: '${engine}' is not available (registered: ${[...engines.keys()].join(", ") || "none"})`);
  return factory(kind, spec);
}

/**
 * A classifier of this kind holding `weights` (in weights() order), e.g. those of a model a worker
 * trained: it answers as that model did, on the same engine.
 */
export async function classifierWithWeights(kind: ModelKind, spec: ModelSpec, weights: readonly Float32Array[]): Promise<Classifier> {
  const classifier = (await createClassifier(kind, spec)) as Classifier & { setWeights?: (weights: readonly Float32Array[]) => void };
  if (!classifier.setWeights) {
    classifier.dispose();
    throw new Error(`engine '${spec.engine ?? "tfjs"}': its ${kind} classifiers cannot load weights`);
  }
  try {
    classifier.setWeights(weights);
  } catch (error) {
    classifier.dispose();
    throw error;
  }
  return classifier;
}

function checkSpec(spec: ModelSpec): void {
  const { inputShape, numClasses, dropout } = spec;
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`inputShape: expected positive integer dimensions, got ${JSON.stringify(inputShape)}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`numClasses: expected an integer >= 2, got ${String(numClasses)}`);
  if (dropout !== undefined && !(dropout >= 0 && dropout < 1)) throw new Error(`dropout: expected a rate in [0, 1), got ${String(dropout)}`);
}
