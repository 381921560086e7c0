// The fused engine behind the Classifier interface: createClassifier(kind, {engine: "fused"}).
import type { LabeledData, Posteriors } from "../../types.js";
import { sha256OfArrays } from "../../util/sha256.js";
import { TRAIN_DEFAULTS, type Classifier, type ModelKind, type ModelSpec, type TrainOptions, type TrainSummary } from "../types.js";
import { denseLayers, isDenseKind, type DenseKind } from "./architecture.js";
import { FusedDenseTrainer } from "./network.js";
import { ADAM_DEFAULTS, trainLoop } from "./trainer.js";
import { checkFiniteLoss } from "../validate.js";
import { EarlyStopper } from "../early-stopping.js";

const now = () => (globalThis.performance ?? Date).now();

/** A yield to the event loop so onEpoch output flushes and an abort() can arrive between epochs. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function checkPositiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name}: expected a positive integer, got ${String(value)}`);
}

function checkNonNegative(value: number, name: string): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name}: expected a finite number >= 0, got ${String(value)}`);
}

export class FusedDenseClassifier implements Classifier {
  private trained = false;
  private busy = false;
  private disposed = false;

  static async create(kind: ModelKind, spec: ModelSpec): Promise<FusedDenseClassifier> {
    if (!isDenseKind(kind)) throw new Error(`engine "fused": trains dense kinds only (mlp, logreg, deep-mlp, attack-mlp), not '${kind}'`);
    if (spec.dropout && kind === "logreg") throw new Error("dropout: logreg has no hidden layer to apply dropout after");
    const inputDim = spec.inputShape.reduce((a, b) => a * b, 1);
    const trainer = await FusedDenseTrainer.create(denseLayers(kind, inputDim, spec.numClasses), spec.dropout ?? 0);
    return new FusedDenseClassifier(kind, spec, inputDim, trainer);
  }

  readonly numClasses: number;
  readonly inputShape: readonly number[];

  private constructor(
    readonly kind: DenseKind,
    spec: ModelSpec,
    private readonly inputDim: number,
    private readonly trainer: FusedDenseTrainer,
  ) {
    this.numClasses = spec.numClasses;
    this.inputShape = [...spec.inputShape];
  }

  private checkUsable(what: string): void {
    if (this.disposed) throw new Error(`${what}: this ${this.kind} classifier has been disposed`);
    if (this.busy) throw new Error(`${what}: this ${this.kind} classifier is still training`);
  }

  /** Trains from a fresh seeded initialisation (a second fit() starts over, it does not continue). */
  async fit(data: LabeledData, options: TrainOptions): Promise<TrainSummary> {
    this.checkUsable("fit");
    const rows = data.labels.length;
    const epochs = options.epochs ?? TRAIN_DEFAULTS.epochs;
    const batchSize = options.batchSize ?? TRAIN_DEFAULTS.batchSize;
    const learningRate = options.learningRate ?? TRAIN_DEFAULTS.learningRate;
    const l2 = options.l2 ?? TRAIN_DEFAULTS.l2;
    if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new RangeError(`seed: expected an integer from 0 to 2^53-1, got ${String(options.seed)}`);
    checkPositiveInteger(epochs, "epochs");
    checkPositiveInteger(batchSize, "batchSize");
    checkNonNegative(learningRate, "learningRate");
    checkNonNegative(l2, "l2");
    if (options.labelSmoothing !== undefined && !(options.labelSmoothing >= 0 && options.labelSmoothing < 1)) throw new RangeError(`labelSmoothing: expected a number from 0 to 1 (exclusive), got ${String(options.labelSmoothing)}`);
    const tfjsOnly = (["relaxLoss", "adversarialRegularization", "entropyRegularizer"] as const).find((k) => options[k] !== undefined);
    if (tfjsOnly) throw new Error(`${tfjsOnly}: trains on the tfjs engine only (engine "tfjs"); the fused dense engine has no custom objectives`);
    if (rows === 0) throw new Error("fit: the training data has no rows");
    const recordSize = data.recordShape.reduce((a, b) => a * b, 1);
    if (recordSize !== this.inputDim) {
      throw new Error(`fit: data.recordShape ${JSON.stringify(data.recordShape)} has ${recordSize} features, the model expects ${this.inputDim} (inputShape ${JSON.stringify(this.inputShape)})`);
    }
    if (data.features.length !== rows * this.inputDim) {
      throw new Error(`fit: data.features has ${data.features.length} values, expected ${rows} rows x ${this.inputDim} = ${rows * this.inputDim}`);
    }
    if (data.numClasses !== this.numClasses) throw new Error(`fit: data.numClasses is ${data.numClasses}, the model has ${this.numClasses} classes`);
    for (let i = 0; i < rows; i++) {
      const label = data.labels[i]!;
      if (!(label >= 0 && label < this.numClasses)) throw new RangeError(`fit: data.labels[${i}] = ${label}, expected an integer in [0, ${this.numClasses})`);
    }
    options.signal?.throwIfAborted();

    const stopper = options.earlyStopping ? new EarlyStopper(options.earlyStopping, this.inputShape, this.numClasses) : undefined;
    this.busy = true;
    this.trained = false;
    const started = now();
    let epochStarted = started;
    try {
      const { loss, accuracy, steps } = await trainLoop(this.trainer, data.features, data.labels, rows, {
        epochs,
        batchSize,
        seed: options.seed,
        adam: { learningRate, l2, ...ADAM_DEFAULTS, ...(options.labelSmoothing ? { labelSmoothing: options.labelSmoothing } : {}) },
        ...(options.dpSgd ? { dpSgd: options.dpSgd } : {}),
        signal: options.signal,
        onEpoch: async (epoch, epochLoss, epochAccuracy) => {
          checkFiniteLoss(epoch, epochLoss, learningRate);
          const t = now();
          options.onEpoch?.({ epoch, epochs, loss: epochLoss, accuracy: epochAccuracy, seconds: (t - epochStarted) / 1000 });
          epochStarted = t;
          if (options.onEpoch || options.signal) await yieldToEventLoop();
          options.signal?.throwIfAborted();
          if (!stopper) return false;
          const stop = await stopper.afterEpoch(epoch, (x, n) => this.trainer.predict(x, n), () => this.trainer.weights());
          // predict() reuses the training data's memory: lay the data out again (batch orders and generators are kept).
          const poisson = options.dpSgd !== undefined && (options.dpSgd.sampling ?? "poisson") === "poisson";
          if (!stop) this.trainer.setData(data.features, data.labels, rows, poisson ? rows : Math.min(batchSize, rows));
          return stop;
        },
      });
      if (stopper) this.trainer.setWeights(stopper.bestWeights());
      this.trained = true;
      const seconds = (now() - started) / 1000;
      const epochsRun = stopper?.epochsRun ?? epochs;
      return {
        epochs: epochsRun,
        steps,
        samples: rows * epochsRun,
        ...(stopper ? { bestEpoch: stopper.bestEpoch } : {}),
        finalLoss: loss,
        finalAccuracy: accuracy,
        seconds,
        samplesPerSecond: seconds > 0 ? (rows * epochsRun) / seconds : Infinity,
        engine: "fused",
      };
    } finally {
      this.busy = false;
    }
  }

  async predict(features: Float32Array, rows: number): Promise<Posteriors> {
    this.checkUsable("predict");
    if (!this.trained) throw new Error(`predict: this ${this.kind} classifier has not been trained (call fit() first)`);
    if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`predict: rows must be a non-negative integer, got ${String(rows)}`);
    if (features.length !== rows * this.inputDim) {
      throw new Error(`predict: features has ${features.length} values, expected ${rows} rows x ${this.inputDim} = ${rows * this.inputDim}`);
    }
    return { values: this.trainer.predict(features, rows), rows, classes: this.numClasses };
  }

  weights(): Float32Array[] {
    this.checkUsable("weights");
    return this.trainer.weights();
  }

  /** Loads weights in weights() order (kernel then bias per layer), e.g. from another engine. */
  setWeights(weights: readonly Float32Array[]): void {
    this.checkUsable("setWeights");
    this.trainer.setWeights(weights);
    this.trained = true;
  }

  weightsSha256(): Promise<string> {
    return sha256OfArrays(this.weights());
  }

  dispose(): void {
    this.disposed = true;
  }
}
