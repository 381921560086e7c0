// Plain data in, plain results out (after TensorFlow Privacy's AttackInputData / AttackResults):
// every attack is a strategy that turns the target's posteriors into one membership score per
// record, higher meaning "more member-like", plus the decision threshold it would act on.
import type { Confusion } from "../kernels/roc.js";
import type { SliceResult } from "../metrics/slices.js";
import type { Posteriors } from "../types.js";
import type { AugmentedAnswers } from "./label-only.js";
import type { BoundaryQueries } from "./boundary.js";

/** The target's posteriors on records known to be members and known to be non-members. */
export interface AttackInputData {
  readonly members: Posteriors;
  readonly nonMembers: Posteriors;
  /** True class labels, needed by label-aware attacks (loss, modified entropy, correctness, Shokri). */
  readonly membersLabels?: Int32Array;
  readonly nonMembersLabels?: Int32Array;
}

/** What the attacker has besides the target's answers; each strategy takes what it needs. */
export interface AttackContext {
  /** Seed for anything the attack draws (attack-model weights, batch order). */
  readonly seed: number;
  /**
   * The attacker's own shadow model(s): their posteriors on their training data (members) and on
   * held-out data (non-members), with labels. Several shadows are pooled into one AttackInputData.
   */
  readonly shadow?: AttackInputData;
  /** The target's posteriors on random noise queries (adversary 3's threshold). */
  readonly noise?: Posteriors;
  /** Reference (shadow) models' answers on the target's records, for LiRA and RMIA. */
  readonly references?: ReferenceModels;
  /** The target's answers on population records (attack-P, the quantile attack). */
  readonly population?: PopulationData;
  /** The audited records' features (the quantile attack). */
  readonly candidateFeatures?: CandidateFeatures;
  /** The target's answers on perturbed copies of the audited records (the label-only attack). */
  readonly augmented?: AugmentedAnswers;
  /** The target as a label oracle on the audited records (the label-only boundary attack's search). */
  readonly boundary?: BoundaryQueries;
  /** Trains an attack classifier; supplied by the orchestration (it owns the model backend). */
  readonly trainAttackModel?: AttackModelTrainer;
  /** Confidence level, delta, bootstrap size and balancing of the figures (defaults: STATISTICS_DEFAULTS). */
  readonly statistics?: StatisticsOptions;
}

export interface StatisticsOptions {
  /** Confidence level of every interval and of the epsilon bounds (default 0.95). */
  readonly confidence?: number;
  /** delta of the (epsilon, delta) lower bound (default 1e-5). */
  readonly delta?: number;
  /** Bootstrap resamples for the advantage's interval (default 500). */
  readonly bootstrapResamples?: number;
  /** Subsample the larger of members / non-members to the smaller's size, with the attack's seed. */
  readonly balance?: boolean;
}

/**
 * Reference models trained by the attacker on random halves of a population that contains the
 * target's candidate records (LiRA's shadow models, RMIA's reference models).
 */
export interface ReferenceModels {
  /** Each reference model's posteriors on the target's records: members first, then non-members. */
  readonly onTarget: readonly Posteriors[];
  /** Per reference model, 1 where it trained on that record (same order as onTarget's rows). */
  readonly included: readonly Uint8Array[];
  /** LiRA's augmented queries: the answers on N - 1 augmented copies of every record, copy-major (copy k of record r at row k * rows + r). */
  readonly augmented?: {
    /** N: queries per record, the record itself included. */
    readonly queries: number;
    /** The augmentations in order, in words, for reports. */
    readonly what: string;
    readonly target: Posteriors;
    readonly references: readonly Posteriors[];
  };
  /** RMIA's population: records no target saw, with their labels, as answered by the target and each reference. */
  readonly population?: {
    readonly target: Posteriors;
    readonly references: readonly Posteriors[];
    readonly labels: Int32Array;
  };
}

/** The target's answers on population records (records it never trained on), with their labels. */
export interface PopulationData {
  readonly target: Posteriors;
  readonly labels: Int32Array;
  /** The records' features, row-major, candidateFeatures.width values each (the quantile attack's regressor reads them). */
  readonly features?: Float32Array;
}

/** The audited records' own features (members, non-members), row-major, `width` values each. */
export interface CandidateFeatures {
  readonly members: Float32Array;
  readonly nonMembers: Float32Array;
  readonly width: number;
}

/** Binary member/non-member classifier trained on feature rows; returns P(member) per row. */
export interface AttackModel {
  predictMember(features: Float32Array, rows: number): Promise<Float64Array>;
  dispose(): void;
}

export type AttackModelTrainer = (
  features: Float32Array,
  rows: number,
  width: number,
  isMember: Uint8Array,
  seed: number,
) => Promise<AttackModel>;

/** A strategy's answer: one score per member and non-member record, and the rule that thresholds it. */
export interface AttackScores {
  readonly members: Float64Array;
  readonly nonMembers: Float64Array;
  /** Predicted member when score >= threshold. */
  readonly threshold: number;
  /** How the threshold was chosen, in words, for reports. */
  readonly thresholdRule: string;
}

export interface AttackStrategy {
  /** Stable identifier used in reports and on the command line ("adversary-1", "loss", ...). */
  readonly name: string;
  /** One line for tables: "Adversary 1 (one shadow, top-3 posteriors)". */
  readonly title: string;
  readonly needsLabels: boolean;
  score(target: AttackInputData, context: AttackContext): Promise<AttackScores>;
}

/** The figures every attack reports (member class = positive). */
export interface AttackMetrics extends Confusion {
  readonly members: number;
  readonly nonMembers: number;
  readonly threshold: number;
  readonly thresholdRule: string;
  readonly auc: number;
  /** Best TPR among ROC points with FPR at or below the key ("0.001", "0.01"). */
  readonly tprAtFpr: { readonly "0.001": number; readonly "0.01": number };
  /** max(TPR - FPR) over the ROC curve (Yeom et al.'s membership advantage). */
  readonly advantage: number;
  /** Intervals, sample honesty and the epsilon lower bound (absent from reports made before them). */
  readonly statistics?: AttackStatistics;
}

/** [lo, hi] at the report's confidence level (null in reports when the sample cannot give one). */
export type Interval = readonly [lo: number, hi: number];

export interface AttackStatistics {
  readonly confidence: number;
  /** members / (members + non-members): the prior that precision is measured at. */
  readonly baseRate: number;
  /** Precision at the attack's threshold had members and non-members been equally many: TPR / (TPR + FPR). */
  readonly balancedPrecision: number;
  /** The smallest FPR the non-members can resolve: 1 / non-members. */
  readonly lowestResolvableFpr: number;
  /** DeLong's interval of the AUC and its standard error (null with fewer than two members or non-members). */
  readonly auc: Interval | null;
  readonly aucStandardError: number | null;
  /** Clopper-Pearson intervals at the attack's threshold (precision: null when nothing is predicted a member). */
  readonly precision: Interval | null;
  readonly recall: Interval | null;
  /** Clopper-Pearson interval of the TPR at each fixed FPR; null when that FPR is below 1 / non-members. */
  readonly tprAtFpr: { readonly "0.001": Interval | null; readonly "0.01": Interval | null };
  /** Percentile bootstrap of the advantage (members and non-members resampled separately, seeded). */
  readonly advantage: Interval | null;
  readonly bootstrapResamples: number;
  /** The (epsilon, delta) lower bound the ROC proves at this confidence (Clopper-Pearson over all thresholds). */
  readonly epsilon: { readonly value: number; readonly delta: number; readonly threshold?: number };
  /** Set when the attack's own threshold lies above or below every record: what that means, in words. */
  readonly degenerateThreshold?: string;
  /** Set when --balance subsampled one side: how many records were dropped from which. */
  readonly balanced?: { readonly side: "members" | "non-members"; readonly from: number; readonly to: number };
}

/** ROC points (FPR ascending), downsampled for reports but exact at low FPR. */
export interface RocPoints {
  readonly fpr: number[];
  readonly tpr: number[];
}

export interface AttackResult {
  readonly name: string;
  readonly title: string;
  readonly metrics: AttackMetrics;
  readonly roc: RocPoints;
  /** The figures again by class, by correct / incorrect prediction and by loss quartile (needs labels). */
  readonly slices?: readonly SliceResult[];
}
