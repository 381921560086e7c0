// Early stopping (a training defence and a regulariser): after each epoch the model answers a
// held-out validation split; training stops once the validation loss has not improved for
// `patience` epochs, and the weights of the best epoch are kept. Both engines use this one class,
// so they stop on the same rule; the loss goes through the portable log (engines agree to the bit).
import type { LabeledData } from "../types.js";
import * as portable from "../util/portable-math.js";
import { checkTrainingData } from "./validate.js";

export interface EarlyStoppingSettings {
  /** Records held out of training (the split is the caller's, seeded). */
  readonly validation: LabeledData;
  /** Epochs without a lower validation loss before training stops. */
  readonly patience: number;
}

/** Mean cross-entropy of posteriors (rows x classes) against labels; probabilities floored at 1e-7
 *  as tfjs's epsilon floors them. */
export function meanCrossEntropy(posteriors: Float32Array, labels: Int32Array, classes: number): number {
  let sum = 0;
  for (let r = 0; r < labels.length; r++) sum -= portable.log(Math.max(posteriors[r * classes + labels[r]!]!, 1e-7));
  return sum / labels.length;
}

export class EarlyStopper {
  private bestLoss = Infinity;
  private best: Float32Array[] = [];
  /** The epoch whose weights are kept (1-based; 0 before the first epoch). */
  bestEpoch = 0;
  /** Epochs trained when it stopped. */
  epochsRun = 0;

  constructor(
    private readonly settings: EarlyStoppingSettings,
    inputShape: readonly number[],
    private readonly classes: number,
  ) {
    if (!Number.isSafeInteger(settings.patience) || settings.patience < 1) throw new RangeError(`earlyStopping.patience: expected a positive integer, got ${String(settings.patience)}`);
    try {
      checkTrainingData(settings.validation, inputShape, classes);
    } catch (error) {
      throw new Error(`earlyStopping.validation: ${(error as Error).message}`);
    }
  }

  /** After epoch `epoch`: records its validation loss and weights; true when training should stop. */
  async afterEpoch(epoch: number, predict: (features: Float32Array, rows: number) => Promise<Float32Array> | Float32Array, weights: () => Float32Array[]): Promise<boolean> {
    const { validation, patience } = this.settings;
    this.epochsRun = epoch;
    const loss = meanCrossEntropy(await predict(validation.features, validation.labels.length), validation.labels, this.classes);
    if (loss < this.bestLoss) {
      this.bestLoss = loss;
      this.bestEpoch = epoch;
      this.best = weights();
    }
    return epoch - this.bestEpoch >= patience;
  }

  /** The best epoch's weights (kernel then bias per layer). */
  bestWeights(): Float32Array[] {
    return this.best;
  }
}
