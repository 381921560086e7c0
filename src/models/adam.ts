// Adam over plain Float32Arrays (the same update as tf.train.adam: bias-corrected moments,
// epsilon 1e-7), with the L2 penalty's gradient 2*l2*w added for kernels. One pass per weight
// array instead of ~15 tfjs kernel calls per variable per step. IEEE arithmetic in float64,
// stored in float32: the same bits in every runtime.
import * as portable from "../util/portable-math.js";
export interface AdamOptions {
  readonly learningRate: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private beta1Power = 1;
  private beta2Power = 1;

  constructor(sizes: readonly number[], options: AdamOptions) {
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
    this.lr = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
  }

  /** Updates params in place. l2[i] is the penalty on params[i] (0 for biases). */
  step(params: Float32Array[], grads: ArrayLike<number>[], l2: readonly number[]): void {
    const { beta1, beta2, epsilon } = this;
    this.beta1Power *= beta1;
    this.beta2Power *= beta2;
    const c1 = 1 - this.beta1Power;
    const c2 = 1 - this.beta2Power;
    for (let k = 0; k < params.length; k++) {
      const w = params[k]!;
      const g = grads[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      const decay = 2 * l2[k]!;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]! + decay * w[i]!;
        const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * gi);
        const vi = (v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi);
        w[i] = w[i]! - (this.lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
      }
    }
  }
}

/** Mean softmax cross-entropy of rows of logits (float64, max-shifted). */
export function softmaxCrossEntropy(logits: Float32Array, labels: Int32Array, classes: number): number {
  let total = 0;
  for (let r = 0; r < labels.length; r++) {
    const row = r * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[row + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += portable.exp(logits[row + c]! - max);
    total += max + portable.log(sum) - logits[row + labels[r]!]!;
  }
  return total / labels.length;
}
