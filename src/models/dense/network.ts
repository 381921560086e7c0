// The fused trainer: a whole dense network's forward, backward and Adam step in AssemblyScript
// (assembly/dense.ts), on a private kernels instance whose memory holds the weights and optimizer
// state between calls. TypeScript only lays out memory and sequences about a dozen calls a step.
import { instantiateKernels } from "../../kernels/wasm.js";
import { ACTIVATION_CODES, type DenseLayerSpec } from "./architecture.js";
import { STREAM_DROPOUT, STREAM_INIT, STREAM_NOISE, STREAM_ORDER, STREAM_SAMPLE, type AdamSettings, type DenseTrainer, type DpStepSettings, type StepResult } from "./trainer.js";
import * as portable from "../../util/portable-math.js";

interface DenseKernels {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  pcg32Seed(gen: number, stateLo: number, stateHi: number, seqLo: number, seqHi: number): void;
  pcg32Shuffle(gen: number, items: number, n: number): void;
  denseGemm(a: number, sam: number, sak: number, b: number, ldb: number, c: number, ldc: number, m: number, n: number, k: number, accumulate: number): void;
  denseBiasActivation(z: number, bias: number, rows: number, cols: number, act: number): void;
  denseTranspose(src: number, rows: number, cols: number, dst: number): void;
  denseGather(features: number, labels: number, cols: number, indices: number, count: number, batchFeatures: number, batchLabels: number): void;
  denseDropout(gen: number, h: number, out: number, mask: number, n: number, threshold: number, scale: number): void;
  denseSoftmaxCrossEntropy(probs: number, labels: number, dz: number, rows: number, classes: number, stats: number, smoothing: number): number;
  denseColumnSums(dz: number, rows: number, cols: number, out: number): void;
  denseAddScaled(g: number, w: number, n: number, alpha: number): void;
  denseSumSquares(w: number, n: number): number;
  denseActivationBackward(d: number, y: number, mask: number, n: number, act: number): void;
  denseAdam(w: number, g: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number): void;
  denseGlorotUniform(gen: number, w: number, n: number, limit: number, slot: number): void;
  denseSparseListBytes(rows: number, cols: number): number;
  denseSparseList(a: number, rows: number, cols: number, lda: number, lists: number): void;
  denseSparseTranspose(lists: number, cols: number, out: number): void;
  denseSparseGemm(lists: number, b: number, ldb: number, c: number, ldc: number, n: number): void;
  denseCountNonzero(x: number, n: number): number;
  densePerExampleNormSquares(a: number, aCols: number, d: number, dCols: number, rows: number, out: number, accumulate: number): void;
  denseClipFactors(normSquares: number, rows: number, clip: number, gradScale: number, outScale: number, factors: number): void;
  denseScaleRows(x: number, rows: number, cols: number, factors: number): void;
  denseAddGaussianNoise(gen: number, g: number, n: number, std: number, scratch: number): void;
  densePoissonSample(gen: number, order: number, n: number, q: number, scratch: number): number;
}

/** Inputs at most this dense (fraction of non-zero features) take the sparse first-layer path:
 *  the same bits, with work in proportion to the non-zeros (Purchase-100's binary features). */
const SPARSE_MAX_DENSITY = 0.4;

const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;
const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Byte offsets of one layer's tensors inside the params / grads / m / v blocks. */
interface LayerSlots {
  readonly kernel: number;
  readonly bias: number;
}

/** Per-call buffers for a batch of up to `rows` rows. */
interface Workspace {
  readonly rows: number;
  readonly batchFeatures: number;
  readonly batchLabels: number;
  /** Per layer: activation output (before dropout), dropout output and mask (hidden layers with
   *  dropout only, else 0), gradient with respect to the layer's pre-activation. */
  readonly out: number[];
  readonly dropped: number[];
  readonly mask: number[];
  readonly delta: number[];
  /** The batch's non-zero features listed by row (the forward pass) and by column (the backward pass). */
  readonly nonzeros: number;
  readonly nonzerosByColumn: number;
  /** DP-SGD: per-example squared gradient norms (f64) and clip factors (f32), one per row. */
  readonly normSquares: number;
  readonly clipFactors: number;
}

/** Splits a non-negative integer < 2^53 into the two u32 halves the PCG32 kernel takes. */
function halves(value: number): [number, number] {
  return [value % 4294967296, Math.floor(value / 4294967296)];
}

export class FusedDenseTrainer implements DenseTrainer {
  private readonly k: DenseKernels;
  private readonly slots: LayerSlots[] = [];
  private readonly paramCount: number;
  // Persistent region.
  private readonly params: number;
  private readonly grads: number;
  private readonly adamM: number;
  private readonly adamV: number;
  private readonly transposed: number;
  private readonly orderGen: number;
  private readonly dropoutGen: number;
  private readonly initGen: number;
  private readonly noiseGen: number;
  private readonly sampleGen: number;
  /** f64 scratch for one normal per weight (DP-SGD's noise). */
  private readonly noiseScratch: number;
  private readonly slot: number;
  private readonly stats: number;
  private readonly persistentEnd: number;
  // Training state.
  private adam: AdamSettings | undefined;
  private dp: DpStepSettings | undefined;
  private stepCount = 0;
  private data: { features: number; labels: number; order: number; uniforms: number; rows: number; work: Workspace } | undefined;
  /** Whether the first layer's input is sparse enough for denseSparseGemm. */
  private sparseInput = false;

  static async create(layers: readonly DenseLayerSpec[], dropout = 0): Promise<FusedDenseTrainer> {
    return new FusedDenseTrainer((await instantiateKernels()).exports as unknown as DenseKernels, layers, dropout);
  }

  private constructor(
    kernels: DenseKernels,
    readonly layers: readonly DenseLayerSpec[],
    private readonly dropout: number,
  ) {
    this.k = kernels;
    let floats = 0;
    for (const { inputs, units } of layers) {
      const kernel = floats * 4;
      floats += Math.ceil((inputs * units) / 4) * 4;
      const bias = floats * 4;
      floats += Math.ceil(units / 4) * 4;
      this.slots.push({ kernel, bias });
    }
    this.paramCount = floats;
    const blockBytes = floats * 4;
    const maxKernel = Math.max(...layers.map((l) => l.inputs * l.units));
    let next = align16(kernels.heapBase());
    const take = (bytes: number) => {
      const at = next;
      next += align16(bytes);
      return at;
    };
    this.params = take(blockBytes);
    this.grads = take(blockBytes);
    this.adamM = take(blockBytes);
    this.adamV = take(blockBytes);
    this.transposed = take(maxKernel * 4);
    this.initGen = take(16);
    this.orderGen = take(16);
    this.dropoutGen = take(16);
    this.noiseGen = take(16);
    this.sampleGen = take(16);
    this.noiseScratch = take(floats * 8);
    this.slot = take(8);
    this.stats = take(4);
    this.persistentEnd = next;
    this.ensure(next);
  }

  private ensure(end: number): void {
    if (end > MAX_BYTES) throw new RangeError(`fused dense trainer: needs ${end} bytes of wasm memory, more than a wasm32 instance can address`);
    const have = this.k.memory.buffer.byteLength;
    if (end > have) this.k.memory.grow(Math.ceil((end - have) / PAGE));
  }

  private f32(at: number, n: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, at, n);
  }

  private seed(gen: number, seed: number, stream: number): void {
    const [lo, hi] = halves(seed);
    this.k.pcg32Seed(gen, lo, hi, stream, 0);
  }

  initialize(seed: number, adam: AdamSettings, dp?: DpStepSettings): void {
    this.adam = adam;
    this.dp = dp;
    this.stepCount = 0;
    new Uint8Array(this.k.memory.buffer, this.params, this.persistentEnd - this.params).fill(0);
    this.seed(this.initGen, seed, STREAM_INIT);
    this.seed(this.orderGen, seed, STREAM_ORDER);
    this.seed(this.dropoutGen, seed, STREAM_DROPOUT);
    this.seed(this.noiseGen, seed, STREAM_NOISE);
    this.seed(this.sampleGen, seed, STREAM_SAMPLE);
    this.layers.forEach(({ inputs, units }, l) => {
      const limit = Math.sqrt(6 / (inputs + units));
      this.k.denseGlorotUniform(this.initGen, this.params + this.slots[l]!.kernel, inputs * units, limit, this.slot);
    });
  }

  /** Lays out a workspace for batches of up to `rows` rows starting at `from`; returns its end. */
  private workspace(from: number, rows: number, training: boolean): { work: Workspace; end: number } {
    let next = align16(from);
    const take = (bytes: number) => {
      const at = next;
      next += align16(bytes);
      return at;
    };
    const batchFeatures = take(rows * this.layers[0]!.inputs * 4);
    const batchLabels = take(rows * 4);
    const out: number[] = [];
    const dropped: number[] = [];
    const mask: number[] = [];
    const delta: number[] = [];
    this.layers.forEach(({ units }, l) => {
      const bytes = rows * units * 4;
      out.push(take(bytes));
      const hidden = l < this.layers.length - 1;
      const dropping = training && hidden && this.dropout > 0;
      dropped.push(dropping ? take(bytes) : 0);
      mask.push(dropping ? take(bytes) : 0);
      delta.push(training ? take(bytes) : 0);
    });
    const inputs = this.layers[0]!.inputs;
    const nonzeros = take(this.k.denseSparseListBytes(rows, inputs));
    const nonzerosByColumn = training ? take(this.k.denseSparseListBytes(inputs, rows)) : 0;
    const normSquares = training ? take(rows * 8) : 0;
    const clipFactors = training ? take(rows * 4) : 0;
    this.ensure(next);
    return { work: { rows, batchFeatures, batchLabels, out, dropped, mask, delta, nonzeros, nonzerosByColumn, normSquares, clipFactors }, end: next };
  }

  setData(features: Float32Array, labels: Int32Array, rows: number, maxBatch: number): void {
    const inputs = this.layers[0]!.inputs;
    let next = this.persistentEnd;
    const featuresAt = next;
    next += align16(rows * inputs * 4);
    const labelsAt = next;
    next += align16(rows * 4);
    const orderAt = next;
    next += align16(rows * 4);
    // Poisson sampling's uniforms (only a Poisson batch fills the whole workspace: maxBatch = rows).
    const uniformsAt = maxBatch >= rows ? next : 0;
    if (uniformsAt) next += align16(rows * 8);
    const { work, end } = this.workspace(next, Math.max(1, maxBatch), true);
    this.ensure(end);
    const buffer = this.k.memory.buffer;
    new Float32Array(buffer, featuresAt, rows * inputs).set(features.subarray(0, rows * inputs));
    new Int32Array(buffer, labelsAt, rows).set(labels.subarray(0, rows));
    this.data = { features: featuresAt, labels: labelsAt, order: orderAt, uniforms: uniformsAt, rows, work };
    this.sparseInput = this.k.denseCountNonzero(featuresAt, rows * inputs) <= SPARSE_MAX_DENSITY * rows * inputs;
  }

  shuffle(): void {
    const data = this.requireData();
    const order = new Int32Array(this.k.memory.buffer, data.order, data.rows);
    for (let i = 0; i < data.rows; i++) order[i] = i;
    this.k.pcg32Shuffle(this.orderGen, data.order, data.rows);
  }

  samplePoisson(q: number): number {
    const data = this.requireData();
    if (!this.dp || !data.uniforms) throw new Error("fused dense trainer: Poisson batches need DP-SGD settings in initialize() and setData() with maxBatch = rows");
    return this.k.densePoissonSample(this.sampleGen, data.order, data.rows, q, data.uniforms);
  }

  private requireData() {
    if (!this.data) throw new Error("fused dense trainer: setData() must come before training");
    return this.data;
  }

  /** Forward pass over the batch already in work.batchFeatures; returns the layer inputs. */
  private forward(work: Workspace, count: number, dropout: boolean): number[] {
    const k = this.k;
    const inputsOf: number[] = [];
    let input = work.batchFeatures;
    const threshold = Math.min(Math.floor(this.dropout * 4294967296), 4294967295);
    const scale = Math.fround(1 / (1 - this.dropout));
    this.layers.forEach(({ inputs, units, activation }, l) => {
      inputsOf.push(input);
      const slots = this.slots[l]!;
      if (l === 0 && this.sparseInput) {
        k.denseSparseList(input, count, inputs, inputs, work.nonzeros);
        k.denseSparseGemm(work.nonzeros, this.params + slots.kernel, units, work.out[l]!, units, units);
      } else {
        k.denseGemm(input, inputs, 1, this.params + slots.kernel, units, work.out[l]!, units, count, units, inputs, 0);
      }
      k.denseBiasActivation(work.out[l]!, this.params + slots.bias, count, units, ACTIVATION_CODES[activation]);
      input = work.out[l]!;
      if (dropout && work.dropped[l]) {
        k.denseDropout(this.dropoutGen, work.out[l]!, work.dropped[l]!, work.mask[l]!, count * units, threshold, scale);
        input = work.dropped[l]!;
      }
    });
    return inputsOf;
  }

  /**
   * Backward pass from the softmax output; fills grads (kernel gradients include the L2 term). All
   * layers' deltas first, then (DP-SGD) each example's rows scaled by its clip factor, then the
   * weight gradients from the deltas (plus DP-SGD's noise) — with clip infinity, noise 0 and
   * shuffled batches every factor is exactly 1 and the bits are plain training's.
   */
  private backward(work: Workspace, count: number, inputsOf: number[], dropout: boolean): StepResult {
    const k = this.k;
    const last = this.layers.length - 1;
    const classes = this.layers[last]!.units;
    const lossSum = k.denseSoftmaxCrossEntropy(work.out[last]!, work.batchLabels, work.delta[last]!, count, classes, this.stats, this.adam!.labelSmoothing ?? 0);
    const correct = new Int32Array(k.memory.buffer, this.stats, 1)[0]!;
    for (let l = last; l > 0; l--) {
      const { inputs, units } = this.layers[l]!;
      const below = l - 1;
      k.denseTranspose(this.params + this.slots[l]!.kernel, inputs, units, this.transposed);
      const into = work.delta[below]!;
      k.denseGemm(work.delta[l]!, units, 1, this.transposed, inputs, into, inputs, count, inputs, units, 0);
      k.denseActivationBackward(into, work.out[below]!, dropout ? work.mask[below]! : 0, count * inputs, ACTIVATION_CODES[this.layers[below]!.activation]);
    }
    const dp = this.dp;
    if (dp) {
      this.layers.forEach(({ inputs, units }, l) => k.densePerExampleNormSquares(inputsOf[l]!, inputs, work.delta[l]!, units, count, work.normSquares, l === 0 ? 0 : 1));
      const divisor = dp.expectedBatch ?? count;
      k.denseClipFactors(work.normSquares, count, dp.clipNorm, count, count / divisor, work.clipFactors);
      this.layers.forEach(({ units }, l) => k.denseScaleRows(work.delta[l]!, count, units, work.clipFactors));
    }
    const l2 = this.adam!.l2;
    for (let l = last; l >= 0; l--) {
      const { inputs, units } = this.layers[l]!;
      const slots = this.slots[l]!;
      const delta = work.delta[l]!;
      const gKernel = this.grads + slots.kernel;
      if (l === 0 && this.sparseInput) {
        // The forward pass left the batch's non-zeros listed by row in work.nonzeros.
        k.denseSparseTranspose(work.nonzeros, inputs, work.nonzerosByColumn);
        k.denseSparseGemm(work.nonzerosByColumn, delta, units, gKernel, units, units);
      } else k.denseGemm(inputsOf[l]!, 1, inputs, delta, units, gKernel, units, inputs, units, count, 0);
      k.denseColumnSums(delta, count, units, this.grads + slots.bias);
      if (dp && dp.noiseMultiplier > 0) {
        const std = (dp.noiseMultiplier * dp.clipNorm) / (dp.expectedBatch ?? count);
        k.denseAddGaussianNoise(this.noiseGen, gKernel, inputs * units, std, this.noiseScratch);
        k.denseAddGaussianNoise(this.noiseGen, this.grads + slots.bias, units, std, this.noiseScratch);
      }
      if (l2 !== 0) k.denseAddScaled(gKernel, this.params + slots.kernel, inputs * units, Math.fround(2 * l2));
    }
    return { lossSum, correct };
  }

  step(start: number, count: number): StepResult {
    const data = this.requireData();
    const { work } = data;
    const adam = this.adam!;
    this.k.denseGather(data.features, data.labels, this.layers[0]!.inputs, data.order + start * 4, count, work.batchFeatures, work.batchLabels);
    const dropout = this.dropout > 0;
    const inputsOf = this.forward(work, count, dropout);
    const result = this.backward(work, count, inputsOf, dropout);
    this.stepCount++;
    // portable.pow, not **: the engines' ** differs in the last bit between V8 versions (the float32
    // bias corrections equal **'s for every step up to 2 million either way).
    const c1 = Math.fround(1 - portable.pow(adam.beta1, this.stepCount));
    const c2 = Math.fround(1 - portable.pow(adam.beta2, this.stepCount));
    this.k.denseAdam(this.params, this.grads, this.adamM, this.adamV, this.paramCount, adam.learningRate, adam.beta1, adam.beta2, adam.epsilon, c1, c2);
    return result;
  }

  gradients(features: Float32Array, labels: Int32Array, rows: number): Float32Array[] {
    const adam = this.adam;
    if (!adam) throw new Error("fused dense trainer: initialize() must come before gradients()");
    // Uses the region after the persistent state, so it invalidates setData().
    this.data = undefined;
    const { work } = this.workspace(this.persistentEnd, rows, true);
    const buffer = this.k.memory.buffer;
    new Float32Array(buffer, work.batchFeatures, rows * this.layers[0]!.inputs).set(features);
    new Int32Array(buffer, work.batchLabels, rows).set(labels);
    this.sparseInput = this.k.denseCountNonzero(work.batchFeatures, rows * this.layers[0]!.inputs) <= SPARSE_MAX_DENSITY * rows * this.layers[0]!.inputs;
    const inputsOf = this.forward(work, rows, false);
    this.backward(work, rows, inputsOf, false);
    return this.tensors(this.grads);
  }

  kernelSumSquares(): number {
    let sum = 0;
    this.layers.forEach(({ inputs, units }, l) => {
      sum += this.k.denseSumSquares(this.params + this.slots[l]!.kernel, inputs * units);
    });
    return sum;
  }

  private tensors(block: number): Float32Array[] {
    return this.layers.flatMap(({ inputs, units }, l) => [
      this.f32(block + this.slots[l]!.kernel, inputs * units).slice(),
      this.f32(block + this.slots[l]!.bias, units).slice(),
    ]);
  }

  weights(): Float32Array[] {
    return this.tensors(this.params);
  }

  setWeights(weights: readonly Float32Array[]): void {
    if (weights.length !== this.layers.length * 2) {
      throw new Error(`weights: expected ${this.layers.length * 2} tensors (kernel and bias per layer), got ${weights.length}`);
    }
    this.layers.forEach(({ inputs, units }, l) => {
      for (const [which, at, n] of [["kernel", this.slots[l]!.kernel, inputs * units], ["bias", this.slots[l]!.bias, units]] as const) {
        const w = weights[l * 2 + (which === "kernel" ? 0 : 1)]!;
        if (w.length !== n) throw new Error(`weights[${l * 2 + (which === "kernel" ? 0 : 1)}] (layer ${l} ${which}): expected ${n} values, got ${w.length}`);
        this.f32(this.params + at, n).set(w);
      }
    });
  }

  predict(features: Float32Array, rows: number): Float32Array {
    const inputs = this.layers[0]!.inputs;
    const classes = this.layers[this.layers.length - 1]!.units;
    const chunk = Math.min(rows, 1024);
    this.data = undefined;
    const { work } = this.workspace(this.persistentEnd, Math.max(chunk, 1), false);
    const result = new Float32Array(rows * classes);
    for (let start = 0; start < rows; start += chunk) {
      const count = Math.min(chunk, rows - start);
      this.f32(work.batchFeatures, count * inputs).set(features.subarray(start * inputs, (start + count) * inputs));
      this.sparseInput = this.k.denseCountNonzero(work.batchFeatures, count * inputs) <= SPARSE_MAX_DENSITY * count * inputs;
      this.forward(work, count, false);
      result.set(this.f32(work.out[this.layers.length - 1]!, count * classes), start * classes);
    }
    return result;
  }
}
