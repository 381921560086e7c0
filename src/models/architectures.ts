// The layer stacks of every model kind, as plain data, so each engine (tfjs, fused) builds the
// same networks. Sizes follow the ML-Leaks authors' code (../shared/ML-LEAKS.md).
import type { BuiltInModelKind } from "./types.js";

export type LayerSpec =
  /** 5x5-style convolution, stride 1, "valid" padding, ReLU. */
  | { readonly type: "conv"; readonly filters: number; readonly kernelSize: number }
  /** Max pooling, window = stride = size, "valid" padding. */
  | { readonly type: "maxpool"; readonly size: number }
  | { readonly type: "flatten" }
  /** Fully connected; hidden layers use tanh, the last layer is the softmax output. */
  | { readonly type: "dense"; readonly units: number; readonly activation: "tanh" | "softmax" };

/** Hidden dense sizes of the dense kinds (all tanh, as in the authors' code). */
export const HIDDEN_UNITS: Readonly<Record<Exclude<BuiltInModelKind, "cnn">, readonly number[]>> = {
  mlp: [128],
  logreg: [],
  "deep-mlp": [256, 128, 64],
  "attack-mlp": [64],
};

/** The layers of a model kind for this record shape and class count. Dropout (a training-time
 *  defence) goes after every hidden dense layer; it is not a layer here. */
export function architecture(kind: BuiltInModelKind, inputShape: readonly number[], numClasses: number): LayerSpec[] {
  const layers: LayerSpec[] = [];
  if (kind === "cnn") {
    if (inputShape.length !== 3) throw new Error(`cnn: inputShape must be [height, width, channels], got ${JSON.stringify(inputShape)}`);
    const [h, w] = inputShape as [number, number, number];
    // conv5 -> pool2 -> conv5 -> pool2 must leave at least one pixel.
    const side = (n: number) => Math.floor((Math.floor((n - 4) / 2) - 4) / 2);
    if (side(h) < 1 || side(w) < 1) throw new Error(`cnn: images must be at least 16x16, got ${h}x${w}`);
    layers.push(
      { type: "conv", filters: 32, kernelSize: 5 },
      { type: "maxpool", size: 2 },
      { type: "conv", filters: 32, kernelSize: 5 },
      { type: "maxpool", size: 2 },
      { type: "flatten" },
      { type: "dense", units: 128, activation: "tanh" },
    );
  } else {
    if (inputShape.length > 1) layers.push({ type: "flatten" });
    for (const units of HIDDEN_UNITS[kind]) layers.push({ type: "dense", units, activation: "tanh" });
  }
  layers.push({ type: "dense", units: numClasses, activation: "softmax" });
  return layers;
}
