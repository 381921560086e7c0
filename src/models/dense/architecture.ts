// The dense kinds as layer lists, shared by the fused kernel trainer and its plain reference.
import type { ModelKind } from "../types.js";

export type Activation = "tanh" | "relu" | "softmax";

/** Activation codes of assembly/dense.ts. */
export const ACTIVATION_CODES: Readonly<Record<Activation, number>> = { tanh: 1, relu: 2, softmax: 3 };

export interface DenseLayerSpec {
  readonly inputs: number;
  readonly units: number;
  readonly activation: Activation;
}

export type DenseKind = Exclude<ModelKind, "cnn">;

/** Hidden layers of each dense kind (the output layer is always dense numClasses -> softmax); the
 *  same stacks as the tfjs engine's (all hidden layers tanh, as in the ML-Leaks authors' code). */
export const DENSE_HIDDEN: Readonly<Record<DenseKind, readonly { units: number; activation: Activation }[]>> = {
  // The paper's target and shadow model for non-image data: dense 128 (tanh) -> softmax.
  mlp: [{ units: 128, activation: "tanh" }],
  // Softmax regression.
  logreg: [],
  // A deeper MLP for the model-independence experiments.
  "deep-mlp": [
    { units: 256, activation: "tanh" },
    { units: 128, activation: "tanh" },
    { units: 64, activation: "tanh" },
  ],
  // The paper's attack model: one 64-unit hidden layer, softmax output.
  "attack-mlp": [{ units: 64, activation: "tanh" }],
};

export function isDenseKind(kind: string): kind is DenseKind {
  return Object.hasOwn(DENSE_HIDDEN, kind);
}

/** The full layer list for a dense kind on inputs of inputDim features. */
export function denseLayers(kind: DenseKind, inputDim: number, numClasses: number): DenseLayerSpec[] {
  const layers: DenseLayerSpec[] = [];
  let inputs = inputDim;
  for (const { units, activation } of DENSE_HIDDEN[kind]) {
    layers.push({ inputs, units, activation });
    inputs = units;
  }
  layers.push({ inputs, units: numClasses, activation: "softmax" });
  return layers;
}
