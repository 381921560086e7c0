// The tfjs engine: each model kind as a tfjs LayersModel (what predict() runs and what is saved in
// tfjs format), trained by our own loop over its variables: seeded Glorot initial weights, seeded
// batch order, seeded per-step dropout masks, Adam (src/models/adam.ts), softmax cross-entropy
// plus L2 on kernels.
import * as tf from "./tf.js";
import { Pcg32 } from "../../kernels/random.js";
import type { Posteriors } from "../../types.js";
import { sha256OfArrays } from "../../util/sha256.js";
import type { LabeledData } from "../../types.js";
import { Adam, softmaxCrossEntropy } from "../adam.js";
import { architecture, type LayerSpec } from "../architectures.js";
import { initModelBackend } from "../backend.js";
import { dropoutMask, glorotUniform, RNG_STREAM } from "../init.js";
import type { Classifier, EpochInfo, ModelKind, ModelSpec, TrainOptions, TrainSummary } from "../types.js";
import { rebuildLayersModel } from "./layers.js";
import { adversarialObjective, crossEntropyGradient, crossEntropyObjective, entropyRegularizedObjective, relaxLossObjective, type Objective } from "./objectives.js";
import { checkDpSgd } from "../dense/trainer.js";
import { toPosteriors } from "../../targets/output.js";
import { EarlyStopper } from "../early-stopping.js";
import { abortError, checkFiniteLoss, checkPredictInput, checkTrainingData, recordSize, resolveTrainOptions } from "../validate.js";

const PREDICT_BATCH = 1000;

/** A tfjs LayersModel with softmax output, as a PosteriorModel (predicts in batches). */
export class TfjsPosteriorModel {
  constructor(
    readonly kind: string,
    readonly model: tf.LayersModel,
    readonly inputShape: readonly number[],
    readonly numClasses: number,
  ) {}

  async predict(features: Float32Array, rows: number): Promise<Posteriors> {
    checkPredictInput(features, rows, this.inputShape);
    const classes = this.numClasses;
    const values = new Float32Array(rows * classes);
    const size = recordSize(this.inputShape);
    for (let start = 0; start < rows; start += PREDICT_BATCH) {
      const n = Math.min(PREDICT_BATCH, rows - start);
      const out = tf.tidy(() => {
        const x = tf.tensor(features.subarray(start * size, (start + n) * size), [n, ...this.inputShape], "float32");
        return this.model.predict(x) as tf.Tensor;
      });
      values.set(await out.data(), start * classes);
      out.dispose();
    }
    return { values, rows, classes };
  }
}

export class TfjsClassifier extends TfjsPosteriorModel implements Classifier {
  override readonly kind: ModelKind;
  readonly dropout: number;
  private readonly layers: LayerSpec[];
  private trained = false;

  /** `rebuilt`: kind "layers" passes the model it rebuilt from a topology (its forward() is the
   *  model's own); the built-in kinds build theirs from architecture(). */
  constructor(kind: ModelKind, spec: ModelSpec, rebuilt?: tf.LayersModel) {
    const layers = kind === "layers" ? [] : architecture(kind, spec.inputShape, spec.numClasses);
    super(kind, rebuilt ?? buildLayersModel(layers, spec.inputShape), spec.inputShape, spec.numClasses);
    this.kind = kind;
    this.layers = layers;
    this.dropout = spec.dropout ?? 0;
  }

  override async predict(features: Float32Array, rows: number): Promise<Posteriors> {
    if (!this.trained) throw new Error(`${this.kind} model: call fit() before predict()`);
    return super.predict(features, rows);
  }

  /** Trains from scratch: fit() with the same seed and data gives bit-identical weights. */
  async fit(data: LabeledData, options: TrainOptions): Promise<TrainSummary> {
    const o = resolveTrainOptions(options);
    const smoothing = options.labelSmoothing ?? 0;
    if (!(smoothing >= 0 && smoothing < 1)) throw new RangeError(`labelSmoothing: expected a number from 0 to 1 (exclusive), got ${String(smoothing)}`);
    const dp = options.dpSgd;
    if (dp) {
      checkDpSgd(dp);
      if (dp.noiseMultiplier > 0 && !Number.isFinite(dp.clipNorm)) throw new RangeError("dpSgd: noise needs a finite clipNorm (the noise's scale is noiseMultiplier x clipNorm)");
    }
    const rows = checkTrainingData(data, this.inputShape, this.numClasses);
    const signal = options.signal;
    if (signal?.aborted) throw abortError(signal);
    const stopper = options.earlyStopping ? new EarlyStopper(options.earlyStopping, this.inputShape, this.numClasses) : undefined;
    const started = performance.now();
    this.initWeights(new Pcg32(o.seed, RNG_STREAM.weights));
    const batchRng = new Pcg32(o.seed, RNG_STREAM.batches);
    const dropoutRng = new Pcg32(o.seed, RNG_STREAM.dropout);
    const sampleRng = new Pcg32(o.seed, RNG_STREAM.sample);
    const noiseRng = new Pcg32(o.seed, RNG_STREAM.noise);
    const objective = this.objectiveOf(data, options, o.batchSize, new Pcg32(o.seed, RNG_STREAM.adversary));
    const poisson = dp !== undefined && (dp.sampling ?? "poisson") === "poisson";
    const expectedBatch = Math.min(o.batchSize, rows);

    const variables = this.trainables();
    // Master copies of the weights live in JS; Adam updates them and each step uploads them.
    const params = variables.map((v) => v.dataSync().slice() as Float32Array);
    const penalties = variables.map((v) => (v.shape.length > 1 ? o.l2 : 0));
    const adam = new Adam(params.map((p) => p.length), { learningRate: o.learningRate });
    const size = recordSize(this.inputShape);
    const classes = this.numClasses;
    let steps = 0;
    let loss = NaN;
    let accuracy = NaN;
    let lastYield = performance.now();
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const epochStart = performance.now();
      // Poisson DP-SGD: ceil(rows / batchSize) batches per epoch, each record in each with probability batchSize / rows.
      const order = poisson ? undefined : batchRng.permutation(rows);
      let lossSum = 0;
      let correct = 0;
      for (let start = 0; start < rows; start += o.batchSize) {
        const batch = order ? order.subarray(start, Math.min(start + o.batchSize, rows)) : poissonBatch(sampleRng, rows, expectedBatch / rows);
        const n = batch.length;
        const xBuf = new Float32Array(n * size);
        const yBuf = new Float32Array(n * classes);
        const labels = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const r = batch[i]!;
          xBuf.set(data.features.subarray(r * size, (r + 1) * size), i * size);
          labels[i] = data.labels[r]!;
          if (smoothing > 0) yBuf.fill(smoothing / classes, i * classes, (i + 1) * classes);
          yBuf[i * classes + labels[i]!] = smoothing > 0 ? 1 - smoothing + smoothing / classes : 1;
        }
        const masks = this.dropout > 0 ? this.hiddenUnits().map((u) => dropoutMask(dropoutRng, n * u, this.dropout)) : [];
        objective.beforeStep?.();
        const step = { x: xBuf, y: yBuf, labels, rows: n, masks, epoch };
        const { grads, z } = dp
          ? this.privateGradients(step, { clipNorm: dp.clipNorm, noiseMultiplier: dp.noiseMultiplier, divisor: poisson ? expectedBatch : n }, noiseRng)
          : this.gradients(step, objective.logitGradient);
        if (n > 0) {
          lossSum += (softmaxCrossEntropy(z, labels, classes) + l2Penalty(params, penalties)) * n;
          correct += countCorrect(z, labels, classes);
        }
        adam.step(params, grads, penalties);
        // tidy: assign shares the new tensor's data, so the tensor itself must go (else 1 per weight per step leaks).
        tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(params[i]!, v.shape))));
        steps++;
        if (signal && performance.now() - lastYield > 50) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = performance.now();
        }
        if (signal?.aborted) throw abortError(signal);
      }
      loss = lossSum / rows;
      accuracy = correct / rows;
      checkFiniteLoss(epoch, loss, o.learningRate);
      const info: EpochInfo = { epoch, epochs: o.epochs, loss, accuracy, seconds: (performance.now() - epochStart) / 1000 };
      options.onEpoch?.(info);
      if (stopper && (await stopper.afterEpoch(epoch, async (x, n) => (await super.predict(x, n)).values, () => params.map((p) => p.slice())))) break;
    }
    if (stopper) tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(stopper.bestWeights()[i]!, v.shape))));
    this.trained = true;
    const seconds = (performance.now() - started) / 1000;
    const epochsRun = stopper?.epochsRun ?? o.epochs;
    return {
      epochs: epochsRun,
      steps,
      samples: rows * epochsRun,
      ...(stopper ? { bestEpoch: stopper.bestEpoch } : {}),
      finalLoss: loss,
      finalAccuracy: accuracy,
      seconds,
      samplesPerSecond: (rows * epochsRun) / seconds,
      engine: `tfjs-${tf.getBackend()}`,
    };
  }

  /** The training objective the options ask for (plain cross-entropy, RelaxLoss, adversarial regularisation, HAMP's entropy regulariser). */
  private objectiveOf(data: LabeledData, options: TrainOptions, batchSize: number, adversaryRng: Pcg32): Objective {
    const chosen = [options.dpSgd && "dpSgd", options.relaxLoss && "relaxLoss", options.adversarialRegularization && "adversarialRegularization", options.entropyRegularizer && "entropyRegularizer"].filter(Boolean);
    if (chosen.length > 1) throw new RangeError(`${chosen.join(", ")}: expected at most one of these training defences, got ${chosen.length}`);
    if (options.relaxLoss) return relaxLossObjective(options.relaxLoss, this.numClasses);
    if (options.entropyRegularizer) return entropyRegularizedObjective(options.entropyRegularizer, this.numClasses);
    if (options.adversarialRegularization) {
      return adversarialObjective(options.adversarialRegularization, data, batchSize, adversaryRng, (features, rows) => this.posteriorsNow(features, rows));
    }
    return crossEntropyObjective;
  }

  /** The current weights' posteriors (no dropout), for the adversary while training; softmax of
   *  forward()'s logits, so a "layers" model (logits output) answers posteriors too. */
  private posteriorsNow(features: Float32Array, rows: number): Float32Array {
    const out = tf.tidy(() => tf.softmax(this.forward(tf.tensor(features, [rows, ...this.inputShape], "float32"), this.trainables(), [])));
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  private trainables(): tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  private hiddenUnits(): number[] {
    return this.layers.filter((l) => l.type === "dense" && l.activation === "tanh").map((l) => (l as { units: number }).units);
  }

  /** The batch's weight gradients for a gradient at the logits, and the logits' values. */
  private gradients(step: BatchStep, logitGradient: Objective["logitGradient"]): { grads: Float32Array[]; z: Float32Array } {
    const variables = this.trainables();
    const { rows: n, epoch, labels } = step;
    if (n === 0) return { grads: variables.map((v) => new Float32Array(recordSize(v.shape))), z: new Float32Array(0) };
    const units = this.hiddenUnits();
    let z!: Float32Array;
    const grads = tf.tidy(() => {
      const x = tf.tensor(step.x, [n, ...this.inputShape], "float32");
      const targets = tf.tensor2d(step.y, [n, this.numClasses]);
      const maskTensors = step.masks.map((m, i) => tf.tensor2d(m, [n, units[i]!]));
      // The objective gives d(loss)/d(logits); the loss value itself is computed from the logits
      // in JS (the returned sum is a carrier for the gradient).
      const carrier = tf.customGrad(((logits: tf.Tensor2D, save: (t: tf.Tensor[]) => void) => {
        save([logits]);
        return {
          value: tf.sum(logits),
          gradFunc: (_dy: tf.Tensor, saved: tf.Tensor[]) => logitGradient({ logits: saved[0] as tf.Tensor2D, targets, z, labels, rows: n, epoch }),
        };
      }) as unknown as Parameters<typeof tf.customGrad>[0]);
      const { grads: g } = tf.variableGrads(() => {
        const out = this.forward(x, variables, maskTensors);
        z = out.dataSync() as Float32Array;
        return carrier(out) as tf.Scalar;
      }, variables);
      return variables.map((v) => g[v.name]!);
    });
    const arrays = grads.map((g) => g.dataSync() as Float32Array);
    tf.dispose(grads);
    return { grads: arrays, z };
  }

  /**
   * DP-SGD's step: each example's gradient (a microbatch of one: tfjs has no per-example
   * gradients) gives its clip factor c = min(1, clipNorm / |g|); one batched backward pass with the
   * logit gradient's rows scaled by c / divisor is then the sum of the clipped gradients over the
   * divisor, and Gaussian noise of deviation noiseMultiplier * clipNorm / divisor is added.
   */
  private privateGradients(step: BatchStep, dp: { clipNorm: number; noiseMultiplier: number; divisor: number }, noiseRng: Pcg32): { grads: Float32Array[]; z: Float32Array } {
    const scale = new Float32Array(step.rows);
    for (let i = 0; i < step.rows; i++) {
      const clip = Number.isFinite(dp.clipNorm) ? Math.min(1, dp.clipNorm / gradientNorm(this.gradients(rowOf(step, i, this.hiddenUnits()), (b) => crossEntropyGradient(b, 1)).grads)) : 1;
      scale[i] = clip / dp.divisor;
    }
    const result = this.gradients(step, (b) => crossEntropyGradient(b, tf.tensor2d(scale, [b.rows, 1])));
    if (dp.noiseMultiplier > 0) {
      const deviation = (dp.noiseMultiplier * dp.clipNorm) / dp.divisor;
      for (const g of result.grads) {
        const noise = noiseRng.fillNormal(g.length);
        for (let j = 0; j < g.length; j++) g[j] = g[j]! + deviation * noise[j]!;
      }
    }
    return result;
  }

  /** The mean gradient of `data` at the current weights (no dropout), each example's gradient
   *  clipped to clipNorm first: what a DP-SGD step adds its noise to. */
  clippedGradient(data: LabeledData, clipNorm: number): Float32Array[] {
    if (!this.trained) throw new Error(`${this.kind} model: call fit() before clippedGradient()`);
    const rows = checkTrainingData(data, this.inputShape, this.numClasses);
    const y = new Float32Array(rows * this.numClasses);
    data.labels.forEach((label, i) => (y[i * this.numClasses + label] = 1));
    const step = { x: data.features, y, labels: data.labels, rows, masks: [], epoch: 1 };
    return this.privateGradients(step, { clipNorm, noiseMultiplier: 0, divisor: rows }, new Pcg32(0, RNG_STREAM.noise)).grads;
  }

  /** Logits of the training forward pass (dropout masks after hidden dense layers). */
  protected forward(x: tf.Tensor, variables: tf.Variable[], masks: tf.Tensor2D[]): tf.Tensor2D {
    let h: tf.Tensor = x;
    let v = 0;
    let hidden = 0;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i]!;
      switch (layer.type) {
        case "conv": {
          // conv -> +bias -> ReLU -> max-pool computed as conv -> max-pool -> +bias -> ReLU: the
          // same values (max commutes with adding a per-channel constant and with ReLU), with
          // the element-wise ops and their gradients on a quarter of the data. Unfused ops: their
          // gradients are lazy, so the first layer never computes the data's gradient.
          let z = tf.conv2d(h as tf.Tensor4D, variables[v++] as tf.Tensor4D, 1, "valid");
          const next = this.layers[i + 1];
          if (next?.type === "maxpool") {
            z = tf.maxPool(z, next.size, next.size, "valid");
            i++;
          }
          h = tf.relu(tf.add(z, variables[v++]!));
          break;
        }
        case "maxpool":
          h = tf.maxPool(h as tf.Tensor4D, layer.size, layer.size, "valid");
          break;
        case "flatten":
          h = tf.reshape(h, [h.shape[0]!, -1]);
          break;
        case "dense": {
          const z =
            v === 0
              ? tf.add(tf.matMul(h as tf.Tensor2D, variables[v++] as tf.Tensor2D), variables[v++]!)
              : tf.fused.matMul({ a: h as tf.Tensor2D, b: variables[v++] as tf.Tensor2D, bias: variables[v++]! });
          if (layer.activation === "softmax") return z as tf.Tensor2D;
          h = tf.tanh(z);
          const mask = masks[hidden++];
          if (mask) h = tf.mul(h, mask);
          break;
        }
      }
    }
    throw new Error("architecture without an output layer");
  }

  private initWeights(rng: Pcg32): void {
    const values: tf.Tensor[] = [];
    for (const w of this.model.trainableWeights) {
      const shape = w.shape as number[];
      const count = recordSize(shape);
      if (shape.length === 1) {
        values.push(tf.zeros(shape));
        continue;
      }
      // Keras's fans: a kernel's leading axes are its receptive field ([kh, kw, in, out], [k, in, out]).
      const receptive = recordSize(shape.slice(0, -2));
      const fanIn = receptive * shape[shape.length - 2]!;
      const fanOut = receptive * shape[shape.length - 1]!;
      values.push(tf.tensor(glorotUniform(rng, count, fanIn, fanOut), shape));
    }
    this.model.setWeights(values);
    tf.dispose(values);
  }

  weights(): Float32Array[] {
    return this.model.getWeights().map((w) => w.dataSync() as Float32Array).map((a) => a.slice());
  }

  /** Loads weights in weights() order (kernel then bias per layer), e.g. those of a model a worker trained. */
  setWeights(weights: readonly Float32Array[]): void {
    const variables = this.model.getWeights();
    if (weights.length !== variables.length || weights.some((w, i) => w.length !== variables[i]!.size)) {
      throw new Error(`${this.kind} model: setWeights got arrays of ${weights.map((w) => w.length).join(", ")} values, expected ${variables.map((v) => v.size).join(", ")}`);
    }
    const tensors = weights.map((w, i) => tf.tensor(w, variables[i]!.shape));
    this.model.setWeights(tensors);
    tf.dispose(tensors);
    this.trained = true;
  }

  async weightsSha256(): Promise<string> {
    return sha256OfArrays(this.weights());
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** One batch as the training loop hands it over. */
interface BatchStep {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly labels: Int32Array;
  readonly rows: number;
  /** Dropout masks, rows x units per hidden layer. */
  readonly masks: readonly Float32Array[];
  readonly epoch: number;
}

/** Example i of a batch as a batch of one (its own dropout mask rows). */
function rowOf(step: BatchStep, i: number, units: readonly number[]): BatchStep {
  const width = step.x.length / step.rows;
  const classes = step.y.length / step.rows;
  return {
    x: step.x.subarray(i * width, (i + 1) * width),
    y: step.y.subarray(i * classes, (i + 1) * classes),
    labels: step.labels.subarray(i, i + 1),
    rows: 1,
    masks: step.masks.map((m, k) => m.subarray(i * units[k]!, (i + 1) * units[k]!)),
    epoch: step.epoch,
  };
}

function gradientNorm(grads: readonly Float32Array[]): number {
  let sum = 0;
  for (const g of grads) for (let j = 0; j < g.length; j++) sum += g[j]! * g[j]!;
  return Math.sqrt(sum);
}

/** Poisson sampling: each of `rows` records joins the batch with probability q. */
function poissonBatch(rng: Pcg32, rows: number, q: number): Int32Array {
  const u = rng.fillFloat64(rows);
  const batch: number[] = [];
  for (let i = 0; i < rows; i++) if (u[i]! < q) batch.push(i);
  return Int32Array.from(batch);
}

function l2Penalty(params: Float32Array[], penalties: number[]): number {
  let total = 0;
  params.forEach((p, k) => {
    if (penalties[k] === 0) return;
    let sum = 0;
    for (let i = 0; i < p.length; i++) sum += p[i]! * p[i]!;
    total += penalties[k]! * sum;
  });
  return total;
}

function countCorrect(logits: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c]! > logits[i * classes + best]!) best = c;
    if (best === labels[i]) correct++;
  }
  return correct;
}

/**
 * Kind "layers": a tfjs LayersModel's architecture (spec.topology) with fresh seeded weights,
 * trained by the same loop; its forward pass is the rebuilt model's own (logits output, dropout
 * layers as identity), predict() softmaxes the logits in float64.
 */
export class LayersTopologyClassifier extends TfjsClassifier {
  protected override forward(x: tf.Tensor): tf.Tensor2D {
    return this.model.apply(x, { training: false }) as tf.Tensor2D;
  }

  override async predict(features: Float32Array, rows: number): Promise<Posteriors> {
    const logits = await super.predict(features, rows);
    return toPosteriors(logits.values, rows, this.numClasses, "logits", "layers model").posteriors;
  }
}

async function createLayersClassifier(spec: ModelSpec): Promise<Classifier> {
  if (spec.dropout) throw new Error("dropout: model kind 'layers' keeps the topology's own layers; the dropout defence applies to the built-in kinds");
  const model = await rebuildLayersModel(spec.topology);
  const input = model.inputs.length === 1 ? model.inputs[0]!.shape.slice(1) : [];
  const output = model.outputs.length === 1 ? model.outputs[0]!.shape : [];
  const fail = (message: string) => {
    model.dispose();
    return new Error(`topology: ${message}`);
  };
  if (input.length === 0 || !input.every((d): d is number => typeof d === "number" && d > 0)) throw fail(`expected one input of fixed record shape, got ${JSON.stringify(model.inputs.map((i) => i.shape))}`);
  if (output.length !== 2 || output[1] !== spec.numClasses) throw fail(`expected one output [batch, ${spec.numClasses}], got ${JSON.stringify(model.outputs.map((o) => o.shape))}`);
  if (recordSize(input) !== recordSize(spec.inputShape)) throw fail(`its input takes records of shape ${JSON.stringify(input)}, spec.inputShape is ${JSON.stringify(spec.inputShape)}`);
  return new LayersTopologyClassifier("layers", { ...spec, inputShape: input }, model);
}

/** The inference model: the same layers with zero initializers (weights are set from Pcg32). */
export function buildLayersModel(layers: LayerSpec[], inputShape: readonly number[]): tf.Sequential {
  const model = tf.sequential();
  let first = true;
  const input = () => (first ? ((first = false), { inputShape: [...inputShape] }) : {});
  for (const layer of layers) {
    switch (layer.type) {
      case "conv":
        model.add(tf.layers.conv2d({ ...input(), filters: layer.filters, kernelSize: layer.kernelSize, padding: "valid", activation: "relu", kernelInitializer: "zeros" }));
        break;
      case "maxpool":
        model.add(tf.layers.maxPooling2d({ ...input(), poolSize: layer.size, strides: layer.size, padding: "valid" }));
        break;
      case "flatten":
        model.add(tf.layers.flatten(input()));
        break;
      case "dense":
        model.add(tf.layers.dense({ ...input(), units: layer.units, activation: layer.activation, kernelInitializer: "zeros" }));
        break;
    }
  }
  return model;
}

/** createClassifier() for engine "tfjs". */
export async function createTfjsClassifier(kind: ModelKind, spec: ModelSpec): Promise<Classifier> {
  await initModelBackend();
  if (kind === "layers") return createLayersClassifier(spec);
  if (spec.dropout && kind === "logreg") throw new Error("dropout: logreg has no hidden layer to apply dropout after");
  return new TfjsClassifier(kind, spec);
}
