// Early stopping as a training defence: the defender holds out a seeded fifth of the target's
// training part as validation data, trains until the validation loss has not improved for
// `patience` epochs, then retrains on the whole training part for the best epoch count (so every
// member the audit counts really is one, and the held-out fifth is not wasted). Both engines.
import { subsetDataset } from "../datasets/split.js";
import { Pcg32 } from "../kernels/random.js";
import type { LabeledData } from "../types.js";
import type { Defence, DefenceSettings } from "./types.js";

export interface EarlyStoppingDefenceSettings {
  /** Epochs without a lower validation loss before training stops. */
  readonly patience: number;
  /** Share of the training part held out for validation while the epoch count is chosen. */
  readonly validationFraction: number;
}

export const EARLY_STOPPING_DEFAULTS = { patience: 5, validationFraction: 0.2 } as const;

const settingsOf = (s: DefenceSettings): EarlyStoppingDefenceSettings => s.earlyStopping ?? EARLY_STOPPING_DEFAULTS;

/** A seeded split of `data` into training and validation rows (each part keeps the records' order). */
export function validationSplit(data: LabeledData, fraction: number, seed: number): { train: LabeledData; validation: LabeledData } {
  const rows = data.labels.length;
  const held = Math.round(rows * fraction);
  if (!(fraction > 0 && fraction < 1) || held < 1 || held >= rows) throw new RangeError(`early-stopping: expected a validation fraction in (0, 1) leaving at least one record on each side of ${rows}, got ${fraction}`);
  const order = new Pcg32(seed, 1).shuffle(Int32Array.from({ length: rows }, (_, i) => i));
  const named = { ...data, name: "target-train" };
  return { validation: subsetDataset(named, order.slice(0, held).sort(), "validation"), train: subsetDataset(named, order.slice(held).sort(), "fit") };
}

export const earlyStoppingDefence: Defence = {
  name: "early-stopping",
  summary: "stop at the epoch of lowest loss on a held-out validation fifth (--patience P), then train on all for that many epochs",
  label: (s) => `early-stopping (patience ${settingsOf(s).patience})`,
  plan(ctx) {
    const { patience, validationFraction } = settingsOf(ctx.settings);
    const { train, validation } = validationSplit(ctx.train, validationFraction, ctx.seeds.defence);
    const choose = ctx.job(ctx.settings.target, train, ctx.seeds.target, [], { options: { earlyStopping: { validation, patience } } });
    return {
      jobs: [{ label: `target ${ctx.settings.target} (early stopping: choosing the epochs)`, job: choose }],
      laterJobs: 1,
      async finish([chosen], trainLater) {
        const epochs = chosen!.summary.bestEpoch ?? chosen!.summary.epochs;
        const result = await trainLater(`target ${ctx.settings.target} (early stopping: ${epochs} epochs)`, ctx.job(ctx.settings.target, ctx.train, ctx.seeds.target, ctx.queries, { options: { epochs } }));
        return { answers: result.posteriors, kind: `${ctx.settings.target}, ${epochs} epochs`, weightsSha256: result.weightsSha256 };
      },
    };
  },
};
