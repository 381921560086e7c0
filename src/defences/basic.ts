// No defence, and the paper's first defence: dropout after each hidden dense layer.
import type { Defence } from "./types.js";

export const noDefence: Defence = {
  name: "none",
  summary: "no defence",
  label: () => "none",
};

export const dropoutDefence: Defence = {
  name: "dropout",
  summary: "dropout after each hidden dense layer (--dropout RATE)",
  label: (s) => `dropout ${s.dropout}`,
  plan(ctx) {
    const job = ctx.job(ctx.settings.target, ctx.train, ctx.seeds.target, ctx.queries, { spec: { dropout: ctx.settings.dropout } });
    return {
      jobs: [{ label: `target ${ctx.settings.target} (dropout)`, job }],
      laterJobs: 0,
      finish: async ([result]) => ({ answers: result!.posteriors, kind: ctx.settings.target, weightsSha256: result!.weightsSha256 }),
    };
  },
};
