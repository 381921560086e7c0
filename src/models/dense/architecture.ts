// The dense kinds as layer lists, shared by the fused kernel trainer and its plain reference.
import { HIDDEN_UNITS } from "../architectures.js";
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

/** Hidden layers of each dense kind (the output layer is always dense numClasses -> softmax): the
 *  tfjs engine's stacks (architectures.ts), all hidden layers tanh as in the ML-Leaks authors' code. */
export const DENSE_HIDDEN: Readonly<Record<DenseKind, readonly { units: number; activation: Activation }[]>> = Object.fromEntries(
  Object.entries(HIDDEN_UNITS).map(([kind, sizes]) => [kind, sizes.map((units) => ({ units, activation: "tanh" as const }))]),
) as Record<DenseKind, { units: number; activation: Activation }[]>;

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
