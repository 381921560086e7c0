// DP-SGD (Abadi et al. 2016) as a defence: the target trains (fused dense engine, or tfjs) with each
// example's gradient clipped and Gaussian noise added, on Poisson batches (what the accountant
// assumes); the report carries the accountant's epsilon at delta beside the attacks.
import { dpSgdEpsilon, noiseMultiplierFor } from "./dp-accountant.js";
import type { Defence, DefenceSettings } from "./types.js";

export interface DpSgdDefenceSettings {
  readonly clipNorm: number;
  /** Ignored when targetEpsilon is given. */
  readonly noiseMultiplier: number;
  readonly delta: number;
  /** When given, the noise multiplier is the smallest that keeps epsilon at delta within it. */
  readonly targetEpsilon?: number;
}

export const DP_SGD_DEFAULTS = { clipNorm: 1, noiseMultiplier: 1.1, delta: 1e-5 } as const;

const settingsOf = (s: DefenceSettings): DpSgdDefenceSettings => s.dpSgd ?? DP_SGD_DEFAULTS;

export const dpSgdDefence: Defence = {
  name: "dp-sgd",
  summary: "DP-SGD: per-example clipping (--clip-norm) and Gaussian noise (--noise-multiplier or --target-epsilon), Poisson batches; fused engine, or tfjs (the CNN) by microbatches of one",
  label: (s) => {
    const dp = settingsOf(s);
    return dp.targetEpsilon !== undefined ? `dp-sgd (target epsilon ${dp.targetEpsilon}, clip ${dp.clipNorm})` : `dp-sgd (noise ${dp.noiseMultiplier}, clip ${dp.clipNorm})`;
  },
  plan(ctx) {
    const dp = settingsOf(ctx.settings);
    const schedule = { records: ctx.train.labels.length, batchSize: Math.min(ctx.training.batchSize, ctx.train.labels.length), epochs: ctx.training.epochs, delta: dp.delta };
    const noiseMultiplier = dp.targetEpsilon !== undefined ? noiseMultiplierFor(dp.targetEpsilon, schedule) : dp.noiseMultiplier;
    const spent = dpSgdEpsilon({ ...schedule, noiseMultiplier });
    const job = ctx.job(ctx.settings.target, ctx.train, ctx.seeds.target, ctx.queries, { options: { dpSgd: { clipNorm: dp.clipNorm, noiseMultiplier, sampling: "poisson" } } });
    return {
      jobs: [{ label: `target ${ctx.settings.target} (dp-sgd)`, job }],
      laterJobs: 0,
      finish: async ([result]) => ({
        answers: result!.posteriors,
        kind: ctx.settings.target,
        weightsSha256: result!.weightsSha256,
        privacy: { accountant: "rdp", epsilon: spent.epsilon, delta: dp.delta, noiseMultiplier, clipNorm: dp.clipNorm, steps: spent.steps, samplingRate: spent.samplingRate, order: spent.order },
      }),
    };
  },
};
