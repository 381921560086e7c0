// The cheap baselines that change only the training objective: a stronger L2 penalty on the
// kernels, and label smoothing (targets (1 - e) onehot + e / classes), which caps how confident
// the model learns to be on its members.
import type { Defence } from "./types.js";

export const l2Defence: Defence = {
  name: "l2",
  summary: "a stronger L2 penalty on the kernels (--l2-penalty L)",
  label: (s) => `l2 ${s.l2Penalty}`,
  plan(ctx) {
    const job = ctx.job(ctx.settings.target, ctx.train, ctx.seeds.target, ctx.queries, { options: { l2: ctx.settings.l2Penalty } });
    return {
      jobs: [{ label: `target ${ctx.settings.target} (l2)`, job }],
      laterJobs: 0,
      finish: async ([result]) => ({ answers: result!.posteriors, kind: ctx.settings.target, weightsSha256: result!.weightsSha256 }),
    };
  },
};

export const labelSmoothingDefence: Defence = {
  name: "label-smoothing",
  summary: "label smoothing of the training targets (--label-smoothing E)",
  label: (s) => `label-smoothing ${s.labelSmoothing}`,
  plan(ctx) {
    const job = ctx.job(ctx.settings.target, ctx.train, ctx.seeds.target, ctx.queries, { options: { labelSmoothing: ctx.settings.labelSmoothing } });
    return {
      jobs: [{ label: `target ${ctx.settings.target} (label smoothing)`, job }],
      laterJobs: 0,
      finish: async ([result]) => ({ answers: result!.posteriors, kind: ctx.settings.target, weightsSha256: result!.weightsSha256 }),
    };
  },
};
