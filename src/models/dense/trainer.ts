// What a dense trainer does, step by step; the fused wasm trainer (network.ts) and the plain
// TypeScript reference (reference.ts) both implement it, and train() drives either one.
import type { DenseLayerSpec } from "./architecture.js";

export interface AdamSettings {
  readonly learningRate: number;
  readonly l2: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Label smoothing of the cross-entropy targets (0 or absent: one-hot). */
  readonly labelSmoothing?: number;
}

/** tfjs's Adam defaults (epsilon is tfjs's backend epsilon, 1e-7). */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** PCG32 streams of one training seed: initial weights, batch order, dropout masks. */
export const STREAM_INIT = 1;
export const STREAM_ORDER = 2;
export const STREAM_DROPOUT = 3;
/** DP-SGD's streams: Poisson batch membership and the Gaussian noise. */
export const STREAM_SAMPLE = 4;
export const STREAM_NOISE = 5;

/** DP-SGD: every example's gradient clipped to clipNorm (L2 over all weights), Gaussian noise of
 *  standard deviation noiseMultiplier * clipNorm added to their sum, divided by the batch size
 *  (Poisson batches: the expected batch size). */
export interface DpSgdSettings {
  readonly clipNorm: number;
  readonly noiseMultiplier: number;
  /** "poisson": each record joins each batch with probability batchSize / rows (what the
   *  accountant assumes); "shuffle": the usual shuffled batches. Default "poisson". */
  readonly sampling?: "poisson" | "shuffle";
}

export function checkDpSgd(dp: DpSgdSettings): void {
  if (!(dp.clipNorm > 0)) throw new RangeError(`clipNorm: expected a number > 0 (Infinity: no clipping), got ${String(dp.clipNorm)}`);
  if (!(dp.noiseMultiplier >= 0 && Number.isFinite(dp.noiseMultiplier))) throw new RangeError(`noiseMultiplier: expected a finite number >= 0, got ${String(dp.noiseMultiplier)}`);
  if (dp.sampling !== undefined && dp.sampling !== "poisson" && dp.sampling !== "shuffle") throw new RangeError(`sampling: expected poisson or shuffle, got ${String(dp.sampling)}`);
}

/** What a trainer's step needs of DP-SGD: the batch-size divisor fixed for Poisson batches. */
export interface DpStepSettings {
  readonly clipNorm: number;
  readonly noiseMultiplier: number;
  /** Poisson batches: the expected batch size; shuffled: undefined (each batch's own size). */
  readonly expectedBatch: number | undefined;
}

export interface StepResult {
  /** Summed cross-entropy over the batch's rows (L2 not included). */
  readonly lossSum: number;
  /** Rows whose argmax equals the label. */
  readonly correct: number;
}

export interface DenseTrainer {
  readonly layers: readonly DenseLayerSpec[];
  /** Glorot-uniform kernels and zero biases from PCG32(seed, STREAM_INIT); zero Adam state; step 0;
   *  the batch-order and dropout generators reseeded from the same seed. */
  initialize(seed: number, adam: AdamSettings, dp?: DpStepSettings): void;
  /** The training set (rows x inputs features, labels in [0, classes)) and the largest batch size. */
  setData(features: Float32Array, labels: Int32Array, rows: number, maxBatch: number): void;
  /** Reshuffles the training rows' order (PCG32(seed, STREAM_ORDER), Fisher-Yates over 0..rows-1). */
  shuffle(): void;
  /** Poisson sampling: each training row joins the next batch with probability q (uniforms from
   *  PCG32(seed, STREAM_SAMPLE), in row order); the batch goes to order[0 ..); returns its size. */
  samplePoisson(q: number): number;
  /** Forward, backward and one Adam step on the rows at order[start .. start+count) (DP-SGD's
   *  clipped and noised gradient when initialize() was given DP settings). */
  step(start: number, count: number): StepResult;
  /** Gradients of mean cross-entropy + l2 * sum of squared kernels at the current weights, on the
   *  given batch, without dropout and without changing any state (kernel then bias per layer). */
  gradients(features: Float32Array, labels: Int32Array, rows: number): Float32Array[];
  /** Sum of squared kernel weights (the L2 term's input). */
  kernelSumSquares(): number;
  weights(): Float32Array[];
  setWeights(weights: readonly Float32Array[]): void;
  /** Softmax outputs, rows x classes, no dropout. */
  predict(features: Float32Array, rows: number): Float32Array;
}

export interface TrainLoopOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly adam: AdamSettings;
  readonly dpSgd?: DpSgdSettings;
  /** Called after each epoch; may return a promise (the loop awaits it, letting aborts arrive); true stops training. */
  readonly onEpoch?: (epoch: number, loss: number, accuracy: number) => void | boolean | Promise<void | boolean>;
  readonly signal?: AbortSignal;
}

/** Seeded mini-batch training: every epoch reshuffles, then steps over batches in order (the last
 *  may be smaller); with Poisson DP-SGD, an epoch is ceil(rows / batchSize) Poisson batches.
 *  Returns the last epoch's loss and accuracy and the number of steps. */
export async function trainLoop(
  trainer: DenseTrainer,
  features: Float32Array,
  labels: Int32Array,
  rows: number,
  options: TrainLoopOptions,
): Promise<{ loss: number; accuracy: number; steps: number }> {
  const { epochs, batchSize, seed, adam, onEpoch, signal, dpSgd } = options;
  if (dpSgd) checkDpSgd(dpSgd);
  const poisson = dpSgd !== undefined && (dpSgd.sampling ?? "poisson") === "poisson";
  trainer.initialize(seed, adam, dpSgd ? { clipNorm: dpSgd.clipNorm, noiseMultiplier: dpSgd.noiseMultiplier, expectedBatch: poisson ? Math.min(batchSize, rows) : undefined } : undefined);
  // A Poisson batch may hold any number of rows.
  trainer.setData(features, labels, rows, poisson ? rows : Math.min(batchSize, rows));
  let loss = NaN;
  let accuracy = NaN;
  let steps = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let lossSum = 0;
    let correct = 0;
    if (poisson) {
      const q = Math.min(batchSize, rows) / rows;
      for (let start = 0; start < rows; start += batchSize) {
        signal?.throwIfAborted();
        const result = trainer.step(0, trainer.samplePoisson(q));
        lossSum += result.lossSum;
        correct += result.correct;
        steps++;
      }
    } else {
      trainer.shuffle();
      for (let start = 0; start < rows; start += batchSize) {
        signal?.throwIfAborted();
        const result = trainer.step(start, Math.min(batchSize, rows - start));
        lossSum += result.lossSum;
        correct += result.correct;
        steps++;
      }
    }
    loss = lossSum / rows + adam.l2 * trainer.kernelSumSquares();
    accuracy = correct / rows;
    if ((await onEpoch?.(epoch, loss, accuracy)) === true) break;
  }
  return { loss, accuracy, steps };
}
