// The defence contract: a defence changes how the target trains (the jobs to run, with their seeds
// and training options) and/or the posteriors the trained model answers with. audit() plans each
// selected defence's target through this contract and attacks whatever it answers; a new defence is
// one file plus one line in registry.ts.
import type { TrainingJob, TrainingResult } from "../models/parallel.js";
import type { ModelKind, ModelSpec, TrainOptions } from "../models/types.js";
import type { LabeledData, Posteriors } from "../types.js";
import type { DpSgdDefenceSettings } from "./dp-sgd.js";
import type { EarlyStoppingDefenceSettings } from "./early-stopping.js";
import type { HampSettings } from "./hamp.js";
import type { MemGuardSettings } from "./memguard.js";

/** Records to put to a trained model. */
export interface Query {
  readonly features: Float32Array;
  readonly rows: number;
}

/** The audit's settings a defence reads (its own parameters included). */
export interface DefenceSettings {
  /** The target architecture. */
  readonly target: ModelKind;
  /** Dropout rate of the dropout defence. */
  readonly dropout: number;
  /** Base kinds of the stacking defence. */
  readonly stackingModels: readonly ModelKind[];
  /** Classes the output-top-k defence releases. */
  readonly outputTopK: number;
  /** Decimals the output-rounding defence keeps. */
  readonly outputDecimals: number;
  /** The dp-sgd defence's settings (default DP_SGD_DEFAULTS). */
  readonly dpSgd?: DpSgdDefenceSettings;
  /** The l2 defence's penalty on the kernels. */
  readonly l2Penalty: number;
  /** The label-smoothing defence's epsilon. */
  readonly labelSmoothing: number;
  /** The relaxloss defence's target loss level (default TRAINING_OBJECTIVE_DEFAULTS). */
  readonly relaxLossAlpha?: number;
  /** The adversarial-regularization defence's lambda and inference-model steps per classifier step. */
  readonly advRegLambda?: number;
  readonly advRegSteps?: number;
  /** The memguard defence's distortion budget (default MEMGUARD_DEFAULTS). */
  readonly memguard?: MemGuardSettings;
  /** The hamp defence's entropy threshold and output-entropy weight (default HAMP_DEFAULTS). */
  readonly hamp?: HampSettings;
  /** The early-stopping defence's patience and validation share (default EARLY_STOPPING_DEFAULTS). */
  readonly earlyStopping?: EarlyStoppingDefenceSettings;
}

export interface TargetTrainingContext {
  readonly settings: DefenceSettings;
  /** The target's training data (the split's target-train part). */
  readonly train: LabeledData;
  /** The defender's reference set: records of the target's distribution it never trains on and
   *  that are not its evaluation non-members (the audit's shadow-out part). */
  readonly reference: LabeledData;
  /** What the target is asked, in order (members, non-members, then noise / population). */
  readonly queries: readonly Query[];
  /** The audit's training schedule (what the DP accountant counts). */
  readonly training: { readonly epochs: number; readonly batchSize: number };
  /** Seeds the audit reserves: the undefended target's, and one for a defence's own streams. */
  readonly seeds: { readonly target: number; readonly defence: number };
  /** A job with the audit's training settings; `change` alters the model spec or training options. */
  job(kind: ModelKind, train: LabeledData, seed: number, predict: readonly Query[], change?: { spec?: Partial<ModelSpec>; options?: Partial<TrainOptions> }): TrainingJob;
}

/** The defended target after training. */
export interface DefendedTarget {
  /** One Posteriors per query, in the order of TargetTrainingContext.queries. */
  readonly answers: Posteriors[];
  /** What the report calls the target ("mlp", "stacked (mlp + logreg -> logreg)"). */
  readonly kind: string;
  readonly weightsSha256: string;
  /** A formal guarantee the training gives (DP-SGD's accountant). */
  readonly privacy?: PrivacySpent;
}

/** (epsilon, delta) spent, by the RDP accountant of the Poisson-subsampled Gaussian. */
export interface PrivacySpent {
  readonly accountant: "rdp";
  readonly epsilon: number;
  readonly delta: number;
  readonly noiseMultiplier: number;
  readonly clipNorm: number;
  readonly steps: number;
  readonly samplingRate: number;
  /** The RDP order that gave epsilon. */
  readonly order: number;
}

export interface TargetPlan {
  /** Jobs to train first (all independent, run with the audit's other models). */
  readonly jobs: readonly { readonly label: string; readonly job: TrainingJob }[];
  /** How many jobs finish() trains afterwards (for progress). */
  readonly laterJobs: number;
  /** Results of `jobs` (in order) -> the defended target; `train` runs any later job. */
  finish(results: readonly TrainingResult[], train: (label: string, job: TrainingJob) => Promise<TrainingResult>): Promise<DefendedTarget>;
}

export interface Defence {
  readonly name: string;
  /** One line for --help and docs. */
  readonly summary: string;
  /** The run's name in the report ("dropout 0.5", "output-top-k 1"). */
  label(settings: DefenceSettings): string;
  /** How it changes training; absent: the undefended target (trained once, shared). */
  plan?(context: TargetTrainingContext): TargetPlan;
  /** How it changes the posteriors the model answers with; absent: unchanged. */
  answer?(posteriors: Posteriors, settings: DefenceSettings): Posteriors;
}
