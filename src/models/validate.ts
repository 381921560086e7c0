// Input checks shared by every engine: clear messages that name the field and what was expected.
import type { LabeledData } from "../types.js";
import { TRAIN_DEFAULTS, type TrainOptions } from "./types.js";

export interface ResolvedTrainOptions {
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly l2: number;
}

export function resolveTrainOptions(options: TrainOptions): ResolvedTrainOptions {
  const o = { ...TRAIN_DEFAULTS, ...stripUndefined(options) } as Required<TrainOptions>;
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new Error(`seed: expected an integer from 0 to 2^53-1, got ${String(o.seed)}`);
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new Error(`epochs: expected a positive integer, got ${String(o.epochs)}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new Error(`batchSize: expected a positive integer, got ${String(o.batchSize)}`);
  if (!(o.learningRate > 0 && Number.isFinite(o.learningRate))) throw new Error(`learningRate: expected a positive number, got ${String(o.learningRate)}`);
  if (!(o.l2 >= 0 && Number.isFinite(o.l2))) throw new Error(`l2: expected a number >= 0, got ${String(o.l2)}`);
  return { seed: o.seed, epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, l2: o.l2 };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function recordSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Checks that data fits a model with this input shape and class count; returns the row count. */
export function checkTrainingData(data: LabeledData, inputShape: readonly number[], numClasses: number): number {
  const size = recordSize(inputShape);
  if (recordSize(data.recordShape) !== size) {
    throw new Error(`data.recordShape: the model expects records of shape ${JSON.stringify(inputShape)}, got ${JSON.stringify(data.recordShape)}`);
  }
  if (data.numClasses !== numClasses) throw new Error(`data.numClasses: the model has ${numClasses} classes, the data ${data.numClasses}`);
  const rows = data.labels.length;
  if (rows === 0) throw new Error("data: no records to train on");
  if (data.features.length !== rows * size) {
    throw new Error(`data.features: expected ${rows} records x ${size} values = ${rows * size}, got ${data.features.length}`);
  }
  for (let i = 0; i < rows; i++) {
    const label = data.labels[i]!;
    if (!(label >= 0 && label < numClasses)) throw new Error(`data.labels[${i}]: expected a class from 0 to ${numClasses - 1}, got ${label}`);
  }
  for (let i = 0; i < data.features.length; i++) {
    if (!Number.isFinite(data.features[i]!)) throw new Error(`data.features[${i}] (record ${Math.floor(i / size)}): not a finite number (${data.features[i]})`);
  }
  return rows;
}

export function checkPredictInput(features: Float32Array, rows: number, inputShape: readonly number[]): void {
  const size = recordSize(inputShape);
  if (!Number.isInteger(rows) || rows < 0) throw new Error(`rows: expected a non-negative integer, got ${String(rows)}`);
  if (features.length !== rows * size) {
    throw new Error(`features: expected ${rows} records x ${size} values (shape ${JSON.stringify(inputShape)}) = ${rows * size}, got ${features.length}`);
  }
}

export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("training aborted");
}

/** Training stopped because the loss left the finite numbers (a learning rate far too large, say). */
export class TrainingDivergedError extends Error {
  override readonly name = "TrainingDivergedError";
  constructor(
    readonly epoch: number,
    readonly loss: number,
    learningRate: number,
  ) {
    super(`training diverged: the loss is ${loss} after epoch ${epoch} (learning rate ${learningRate}); the weights are not finite, so no model is kept. Try a smaller learning rate.`);
  }
}

/** Throws TrainingDivergedError when an epoch's loss is NaN or infinite. */
export function checkFiniteLoss(epoch: number, loss: number, learningRate: number): void {
  if (!Number.isFinite(loss)) throw new TrainingDivergedError(epoch, loss, learningRate);
}
