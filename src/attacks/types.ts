// Plain data in, plain results out (after TensorFlow Privacy's AttackInputData / AttackResults):
// every attack is a strategy that turns the target's posteriors into one membership score per
// record, higher meaning "more member-like", plus the decision threshold it would act on.
import type { Confusion } from "../kernels/roc.js";
import type { Posteriors } from "../types.js";

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
  /** Trains an attack classifier; supplied by the orchestration (it owns the model backend). */
  readonly trainAttackModel?: AttackModelTrainer;
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
  /** RMIA's population: records no target saw, with their labels, as answered by the target and each reference. */
  readonly population?: {
    readonly target: Posteriors;
    readonly references: readonly Posteriors[];
    readonly labels: Int32Array;
  };
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
}
