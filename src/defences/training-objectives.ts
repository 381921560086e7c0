// Defences that change the target's training objective on the tfjs engine (src/models/tfjs/objectives.ts):
// RelaxLoss (Chen, Yu and Fritz, ICLR 2022) and adversarial regularisation (Nasr, Shokri and
// Houmansadr, CCS 2018). Both train on tfjs whatever the audit's engine (the fused dense engine has
// no custom objectives).
import { oneJobPlan } from "./one-job.js";
import type { Defence } from "./types.js";

/** RelaxLoss's alpha (the target loss level) and adversarial regularisation's lambda and inference-model steps. */
export const TRAINING_OBJECTIVE_DEFAULTS = { relaxLossAlpha: 1, advRegLambda: 3, advRegSteps: 1 } as const;

export const relaxLossDefence: Defence = {
  name: "relaxloss",
  summary: "RelaxLoss: above the target loss --relaxloss-alpha descend; below it alternately ascend and flatten the posteriors (tfjs engine)",
  label: (s) => `relaxloss (alpha ${s.relaxLossAlpha ?? TRAINING_OBJECTIVE_DEFAULTS.relaxLossAlpha})`,
  plan: (ctx) => oneJobPlan(ctx, "relaxloss", { spec: { engine: "tfjs" }, options: { relaxLoss: { alpha: ctx.settings.relaxLossAlpha ?? TRAINING_OBJECTIVE_DEFAULTS.relaxLossAlpha } } }),
};

export const adversarialRegularizationDefence: Defence = {
  name: "adversarial-regularization",
  summary: "min-max training against an inference model on members vs a reference set (--adv-reg-lambda, --adv-reg-steps; tfjs engine)",
  label: (s) => {
    const steps = s.advRegSteps ?? TRAINING_OBJECTIVE_DEFAULTS.advRegSteps;
    return `adversarial-regularization (lambda ${s.advRegLambda ?? TRAINING_OBJECTIVE_DEFAULTS.advRegLambda}, ${steps} step${steps === 1 ? "" : "s"})`;
  },
  plan: (ctx) =>
    oneJobPlan(ctx, "adversarial regularisation", {
      spec: { engine: "tfjs" },
      options: {
        adversarialRegularization: {
          lambda: ctx.settings.advRegLambda ?? TRAINING_OBJECTIVE_DEFAULTS.advRegLambda,
          steps: ctx.settings.advRegSteps ?? TRAINING_OBJECTIVE_DEFAULTS.advRegSteps,
          reference: ctx.reference,
        },
      },
    }),
};
