// The plan of a defence that trains the target once with changed settings (a training option, an
// engine): one job, its posteriors are the defended target's answers.
import type { ModelSpec, TrainOptions } from "../models/types.js";
import type { DefendedTarget, TargetPlan, TargetTrainingContext } from "./types.js";

export function oneJobPlan(ctx: TargetTrainingContext, name: string, change: { spec?: Partial<ModelSpec>; options?: Partial<TrainOptions> }, extra: Partial<DefendedTarget> = {}): TargetPlan {
  const job = ctx.job(ctx.settings.target, ctx.train, ctx.seeds.target, ctx.queries, change);
  return {
    jobs: [{ label: `target ${ctx.settings.target} (${name})`, job }],
    laterJobs: 0,
    finish: async ([result]) => ({ answers: result!.posteriors, kind: ctx.settings.target, weightsSha256: result!.weightsSha256, ...extra }),
  };
}
