// The tfjs engine: each model kind as a tfjs LayersModel (what predict() runs and what is saved in
// tfjs format), trained by our own loop over its variables: seeded Glorot initial weights, seeded
// batch order, seeded per-step dropout masks, Adam (src/models/adam.ts), softmax cross-entropy
// plus L2 on kernels.
import * as tf from "@tensorflow/tfjs";
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
    if (options.dpSgd) throw new Error(`dpSgd: DP-SGD trains on the fused dense engine only (engine "fused", dense kinds); the tfjs engine (${this.kind}) has no per-example gradients here`);
    const o = resolveTrainOptions(options);
    const smoothing = options.labelSmoothing ?? 0;
    if (!(smoothing >= 0 && smoothing < 1)) throw new RangeError(`labelSmoothing: expected a number from 0 to 1 (exclusive), got ${String(smoothing)}`);
    const rows = checkTrainingData(data, this.inputShape, this.numClasses);
    const signal = options.signal;
    if (signal?.aborted) throw abortError(signal);
    const stopper = options.earlyStopping ? new EarlyStopper(options.earlyStopping, this.inputShape, this.numClasses) : undefined;
    const started = performance.now();
    this.initWeights(new Pcg32(o.seed, RNG_STREAM.weights));
    const batchRng = new Pcg32(o.seed, RNG_STREAM.batches);
    const dropoutRng = new Pcg32(o.seed, RNG_STREAM.dropout);

    const variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    // Master copies of the weights live in JS; Adam updates them and each step uploads them.
    const params = variables.map((v) => v.dataSync().slice() as Float32Array);
    const penalties = variables.map((v) => (v.shape.length > 1 ? o.l2 : 0));
    const adam = new Adam(params.map((p) => p.length), { learningRate: o.learningRate });
    const size = recordSize(this.inputShape);
    const classes = this.numClasses;
    const hiddenUnits = this.layers.filter((l) => l.type === "dense" && l.activation === "tanh").map((l) => (l as { units: number }).units);
    let steps = 0;
    let loss = NaN;
    let accuracy = NaN;
    let lastYield = performance.now();
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const epochStart = performance.now();
      const order = batchRng.permutation(rows);
      let lossSum = 0;
      let correct = 0;
      for (let start = 0; start < rows; start += o.batchSize) {
        const n = Math.min(o.batchSize, rows - start);
        const xBuf = new Float32Array(n * size);
        const yBuf = new Float32Array(n * classes);
        const labels = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const r = order[start + i]!;
          xBuf.set(data.features.subarray(r * size, (r + 1) * size), i * size);
          labels[i] = data.labels[r]!;
          if (smoothing > 0) yBuf.fill(smoothing / classes, i * classes, (i + 1) * classes);
          yBuf[i * classes + labels[i]!] = smoothing > 0 ? 1 - smoothing + smoothing / classes : 1;
        }
        const masks = this.dropout > 0 ? hiddenUnits.map((u) => dropoutMask(dropoutRng, n * u, this.dropout)) : [];
        let z!: Float32Array;
        const grads = tf.tidy(() => {
          const x = tf.tensor(xBuf, [n, ...this.inputShape], "float32");
          const y = tf.tensor2d(yBuf, [n, classes]);
          const maskTensors = masks.map((m, i) => tf.tensor2d(m, [n, hiddenUnits[i]!]));
          // d(mean cross-entropy)/d(logits) = (softmax - onehot) / n; the loss value itself is
          // computed from the logits in JS (the returned sum is a carrier for the gradient).
          const crossEntropyCarrier = tf.customGrad(((logits: tf.Tensor, save: (t: tf.Tensor[]) => void) => {
            save([logits]);
            return {
              value: tf.sum(logits),
              gradFunc: (_dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(tf.sub(tf.softmax(saved[0]!), y), 1 / n),
            };
          }) as unknown as Parameters<typeof tf.customGrad>[0]);
          const { grads: g } = tf.variableGrads(() => {
            const out = this.forward(x, variables, maskTensors);
            z = out.dataSync() as Float32Array;
            return crossEntropyCarrier(out) as tf.Scalar;
          }, variables);
          return variables.map((v) => g[v.name]!);
        });
        const l = softmaxCrossEntropy(z, labels, classes) + l2Penalty(params, penalties);
        adam.step(params, grads.map((g) => g.dataSync() as Float32Array), penalties);
        tf.dispose(grads);
        variables.forEach((v, i) => v.assign(tf.tensor(params[i]!, v.shape)));
        lossSum += l * n;
        correct += countCorrect(z, labels, classes);
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
    if (stopper) variables.forEach((v, i) => v.assign(tf.tensor(stopper.bestWeights()[i]!, v.shape)));
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

  async weightsSha256(): Promise<string> {
    return sha256OfArrays(this.weights());
  }

  dispose(): void {
    this.model.dispose();
  }
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
