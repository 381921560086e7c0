// Plain TypeScript reference of the fused trainer (network.ts + assembly/dense.ts): the same
// training step, written for reading rather than speed: forward, softmax cross-entropy, backward,
// L2, Adam, glorot-uniform init, Fisher-Yates batch order and dropout masks from the BigInt PCG32
// reference. Arithmetic is f32 (Math.fround) in the kernel's order, so the two agree to rounding
// of exp (tanh is the kernel's rational function); tests hold them within 1e-5.
import { ReferencePcg32 } from "../../kernels/reference/random.js";
import type { DenseLayerSpec } from "./architecture.js";
import { STREAM_DROPOUT, STREAM_INIT, STREAM_NOISE, STREAM_ORDER, STREAM_SAMPLE, type AdamSettings, type DenseTrainer, type DpStepSettings, type StepResult } from "./trainer.js";
import * as portable from "../../util/portable-math.js";

const f = Math.fround;

// tanh as assembly/dense.ts evaluates it (Eigen's rational approximation, within a few ulp of tanh),
// step by step in f32; test/dense.test.ts holds it to Math.tanh.
const TANH_CLAMP = f(7.99881172180175781);
const TANH_TINY = f(0.0004);
const [A1, A3, A5, A7, A9, A11, A13] = [4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16].map(f) as number[];
const [B0, B2, B4, B6] = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6].map(f) as number[];

export function referenceTanh(a: number): number {
  if (Math.abs(a) < TANH_TINY) return a;
  const x = Math.max(Math.min(a, TANH_CLAMP), -TANH_CLAMP);
  const x2 = f(x * x);
  let p = f(f(x2 * A13!) + A11!);
  for (const c of [A9!, A7!, A5!, A3!, A1!]) p = f(f(x2 * p) + c);
  p = f(x * p);
  let q = f(f(x2 * B6!) + B4!);
  for (const c of [B2!, B0!]) q = f(f(x2 * q) + c);
  return f(p / q);
}

interface Layer {
  readonly spec: DenseLayerSpec;
  /** inputs x units, row-major (tfjs's Dense kernel layout). */
  kernel: Float32Array;
  bias: Float32Array;
}

/** C = A B for row-major A (m x k) and B (k x n), each sum taken in k order in f32. */
function matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s = f(s + f(a[i * k + t]! * b[t * n + j]!));
      c[i * n + j] = s;
    }
  }
  return c;
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
}

export class ReferenceDenseTrainer implements DenseTrainer {
  private net: Layer[];
  private adamM: Float32Array[] = [];
  private adamV: Float32Array[] = [];
  private adam: AdamSettings | undefined;
  private stepCount = 0;
  private orderRng = new ReferencePcg32(0);
  private dropoutRng = new ReferencePcg32(0);
  private sampleRng = new ReferencePcg32(0);
  private noiseRng = new ReferencePcg32(0);
  private dp: DpStepSettings | undefined;
  private data: { features: Float32Array; labels: Int32Array; rows: number; order: Int32Array } | undefined;

  constructor(
    readonly layers: readonly DenseLayerSpec[],
    private readonly dropout = 0,
  ) {
    this.net = layers.map((spec) => ({ spec, kernel: new Float32Array(spec.inputs * spec.units), bias: new Float32Array(spec.units) }));
  }

  initialize(seed: number, adam: AdamSettings, dp?: DpStepSettings): void {
    this.adam = adam;
    this.dp = dp;
    this.sampleRng = new ReferencePcg32(BigInt(seed), STREAM_SAMPLE);
    this.noiseRng = new ReferencePcg32(BigInt(seed), STREAM_NOISE);
    this.stepCount = 0;
    const init = new ReferencePcg32(BigInt(seed), STREAM_INIT);
    this.orderRng = new ReferencePcg32(BigInt(seed), STREAM_ORDER);
    this.dropoutRng = new ReferencePcg32(BigInt(seed), STREAM_DROPOUT);
    for (const layer of this.net) {
      const { inputs, units } = layer.spec;
      const limit = Math.sqrt(6 / (inputs + units));
      layer.kernel = Float32Array.from({ length: inputs * units }, () => (2 * init.nextFloat64() - 1) * limit);
      layer.bias = new Float32Array(units);
    }
    this.adamM = this.net.flatMap((l) => [new Float32Array(l.kernel.length), new Float32Array(l.bias.length)]);
    this.adamV = this.net.flatMap((l) => [new Float32Array(l.kernel.length), new Float32Array(l.bias.length)]);
  }

  setData(features: Float32Array, labels: Int32Array, rows: number): void {
    this.data = { features, labels, rows, order: new Int32Array(rows) };
  }

  shuffle(): void {
    const { order } = this.data!;
    for (let i = 0; i < order.length; i++) order[i] = i;
    this.orderRng.shuffle(order);
  }

  samplePoisson(q: number): number {
    const { order, rows } = this.data!;
    let count = 0;
    for (let i = 0; i < rows; i++) if (this.sampleRng.nextFloat64() < q) order[count++] = i;
    return count;
  }

  /** n standard normals as pcg32FillNormal draws them (pairs; an odd n drops the last sine). */
  private normals(n: number): Float64Array {
    const z = new Float64Array(n);
    for (let i = 0; i < n; i += 2) {
      const [a, b] = this.noiseRng.nextNormalPair();
      z[i] = a;
      if (i + 1 < n) z[i + 1] = b;
    }
    return z;
  }

  /** Forward pass: per layer, the input it saw, its activation output and its dropout mask. */
  private forward(x: Float32Array, rows: number, dropout: boolean) {
    const trace: { input: Float32Array; out: Float32Array; mask: Float32Array | undefined }[] = [];
    let input = x;
    const last = this.net.length - 1;
    const threshold = Math.min(Math.floor(this.dropout * 4294967296), 4294967295);
    const scale = f(1 / (1 - this.dropout));
    this.net.forEach(({ spec, kernel, bias }, l) => {
      const { inputs, units, activation } = spec;
      const out = matmul(input, kernel, rows, inputs, units);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < units; j++) {
          const z = f(out[r * units + j]! + bias[j]!);
          out[r * units + j] = activation === "tanh" ? referenceTanh(z) : activation === "relu" ? Math.max(z, 0) : z;
        }
        if (activation === "softmax") {
          const row = out.subarray(r * units, (r + 1) * units);
          const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
          let sum = 0;
          for (let j = 0; j < units; j++) {
            row[j] = Math.exp(f(row[j]! - max));
            sum = f(sum + row[j]!);
          }
          const inv = f(1 / sum);
          for (let j = 0; j < units; j++) row[j] = f(row[j]! * inv);
        }
      }
      let mask: Float32Array | undefined;
      let next = out;
      if (dropout && this.dropout > 0 && l < last) {
        mask = Float32Array.from({ length: rows * units }, () => (this.dropoutRng.nextUint32() >= threshold ? scale : 0));
        next = out.map((v, i) => f(v * mask![i]!));
      }
      trace.push({ input, out, mask });
      input = next;
    });
    return trace;
  }

  private backward(trace: ReturnType<ReferenceDenseTrainer["forward"]>, labels: Int32Array, rows: number) {
    const last = this.net.length - 1;
    const classes = this.net[last]!.spec.units;
    const probs = trace[last]!.out;
    let lossSum = 0;
    let correct = 0;
    const inv = f(1 / rows);
    const smoothing = f(this.adam!.labelSmoothing ?? 0);
    const off = f(smoothing / classes);
    const on = f(f(1 - smoothing) + off);
    let delta: Float32Array = new Float32Array(rows * classes);
    for (let r = 0; r < rows; r++) {
      const label = labels[r]!;
      let best = 0;
      for (let j = 0; j < classes; j++) {
        const p = probs[r * classes + j]!;
        if (p > probs[r * classes + best]!) best = j;
        delta[r * classes + j] = f(f(p - (j === label ? on : off)) * inv);
      }
      if (best === label) correct++;
      lossSum -= Math.log(Math.max(probs[r * classes + label]!, 1e-30));
    }
    // Every layer's delta first (DP-SGD clips each example's rows across all of them).
    const deltas: Float32Array[] = new Array(this.net.length);
    deltas[last] = delta;
    for (let l = last; l > 0; l--) {
      const { spec, kernel } = this.net[l]!;
      const { inputs, units } = spec;
      const below = trace[l - 1]!;
      const activation = this.net[l - 1]!.spec.activation;
      const d = matmul(deltas[l]!, transpose(kernel, inputs, units), rows, units, inputs);
      for (let i = 0; i < d.length; i++) {
        let g = d[i]!;
        if (below.mask) g = f(g * below.mask[i]!);
        const y = below.out[i]!;
        if (activation === "tanh") g = f(g * f(1 - f(y * y)));
        else if (activation === "relu") g = y > 0 ? g : 0;
        d[i] = g;
      }
      deltas[l - 1] = d;
    }
    const dp = this.dp;
    const divisor = dp?.expectedBatch ?? rows;
    if (dp) {
      // Example r's gradient in layer l is input_r (x) delta_r and delta_r: squared norm (|input_r|^2 + 1) |delta_r|^2.
      for (let r = 0; r < rows; r++) {
        let normSquares = 0;
        this.net.forEach(({ spec }, l) => {
          let sa = 0;
          for (let j = 0; j < spec.inputs; j++) {
            const a = trace[l]!.input[r * spec.inputs + j]!;
            sa += a * a;
          }
          let sd = 0;
          for (let j = 0; j < spec.units; j++) {
            const d = deltas[l]![r * spec.units + j]!;
            sd += d * d;
          }
          normSquares += (sa + 1) * sd;
        });
        const norm = rows * Math.sqrt(normSquares);
        const factor = f((norm > dp.clipNorm ? dp.clipNorm / norm : 1) * (rows / divisor));
        this.net.forEach(({ spec }, l) => {
          for (let j = 0; j < spec.units; j++) deltas[l]![r * spec.units + j] = f(deltas[l]![r * spec.units + j]! * factor);
        });
      }
    }
    const grads: Float32Array[] = [];
    for (let l = last; l >= 0; l--) {
      const { spec, kernel } = this.net[l]!;
      const { inputs, units } = spec;
      const d = deltas[l]!;
      const gKernel = matmul(transpose(trace[l]!.input, rows, inputs), d, inputs, rows, units);
      const gBias = new Float32Array(units);
      for (let r = 0; r < rows; r++) for (let j = 0; j < units; j++) gBias[j] = f(gBias[j]! + d[r * units + j]!);
      if (dp && dp.noiseMultiplier > 0) {
        const std = (dp.noiseMultiplier * dp.clipNorm) / divisor;
        for (const g of [gKernel, gBias]) {
          const z = this.normals(g.length);
          for (let i = 0; i < g.length; i++) g[i] = f(g[i]! + f(std * z[i]!));
        }
      }
      const alpha = f(2 * this.adam!.l2);
      if (alpha !== 0) for (let i = 0; i < gKernel.length; i++) gKernel[i] = f(gKernel[i]! + f(alpha * kernel[i]!));
      grads.unshift(gKernel, gBias);
    }
    return { lossSum, correct, grads };
  }

  step(start: number, count: number): StepResult {
    const { features, labels, order } = this.data!;
    const inputs = this.net[0]!.spec.inputs;
    const x = new Float32Array(count * inputs);
    const y = new Int32Array(count);
    for (let r = 0; r < count; r++) {
      const index = order[start + r]!;
      x.set(features.subarray(index * inputs, (index + 1) * inputs), r * inputs);
      y[r] = labels[index]!;
    }
    const { lossSum, correct, grads } = this.backward(this.forward(x, count, true), y, count);
    this.adamStep(grads);
    return { lossSum, correct };
  }

  private adamStep(grads: Float32Array[]): void {
    const { learningRate, beta1, beta2, epsilon } = this.adam!;
    this.stepCount++;
    const c1 = f(1 - portable.pow(beta1, this.stepCount));
    const c2 = f(1 - portable.pow(beta2, this.stepCount));
    const [lr, b1, b2, eps] = [f(learningRate), f(beta1), f(beta2), f(epsilon)];
    const one1 = f(1 - b1);
    const one2 = f(1 - b2);
    const tensors = this.net.flatMap((l) => [l.kernel, l.bias]);
    tensors.forEach((w, t) => {
      const g = grads[t]!;
      const m = this.adamM[t]!;
      const v = this.adamV[t]!;
      for (let i = 0; i < w.length; i++) {
        m[i] = f(f(b1 * m[i]!) + f(one1 * g[i]!));
        v[i] = f(f(b2 * v[i]!) + f(one2 * f(g[i]! * g[i]!)));
        w[i] = f(w[i]! - f(f(lr * f(m[i]! / c1)) / f(f(Math.sqrt(f(v[i]! / c2))) + eps)));
      }
    });
  }

  gradients(features: Float32Array, labels: Int32Array, rows: number): Float32Array[] {
    return this.backward(this.forward(features, rows, false), labels, rows).grads;
  }

  kernelSumSquares(): number {
    let sum = 0;
    for (const { kernel } of this.net) for (const w of kernel) sum += w * w;
    return sum;
  }

  weights(): Float32Array[] {
    return this.net.flatMap((l) => [l.kernel.slice(), l.bias.slice()]);
  }

  setWeights(weights: readonly Float32Array[]): void {
    this.net.forEach((l, i) => {
      l.kernel = weights[2 * i]!.slice();
      l.bias = weights[2 * i + 1]!.slice();
    });
  }

  predict(features: Float32Array, rows: number): Float32Array {
    return this.forward(features, rows, false).at(-1)!.out;
  }
}
