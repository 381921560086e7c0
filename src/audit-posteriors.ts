// The posteriors-only audit: for a model trained anywhere. The caller passes the target's
// posteriors on known members and known non-members (and their labels for the label-aware
// attacks); no model, no file system, no runtime API.
import { correctnessAttack, DEFAULT_TOP_PERCENTILE, entropyAttack, lossAttack, maxPosteriorAttack, modifiedEntropyAttack } from "./attacks/metric.js";
import { checkPosteriors } from "./attacks/posterior-files.js";
import { runAttack } from "./attacks/run.js";
import type { AttackInputData, AttackResult, AttackStrategy, StatisticsOptions } from "./attacks/types.js";
import { initKernels } from "./kernels/index.js";
import { targetAccuracy } from "./metrics/accuracy.js";
import { resolveStatistics } from "./metrics/evaluate.js";
import { REPORT_SCHEMA_VERSION, type AuditReport, type TargetSummary } from "./report/types.js";
import type { Posteriors } from "./types.js";

/** The attacks that need nothing but the target's answers. */
export const POSTERIOR_ATTACKS = ["adversary-3-max", "adversary-3-entropy", "loss", "modified-entropy", "correctness"] as const;
export type PosteriorAttackName = (typeof POSTERIOR_ATTACKS)[number];

export function posteriorAttack(name: PosteriorAttackName, topPercentile = DEFAULT_TOP_PERCENTILE): AttackStrategy {
  switch (name) {
    case "adversary-3-max":
      return maxPosteriorAttack(topPercentile);
    case "adversary-3-entropy":
      return entropyAttack(topPercentile);
    case "loss":
      return lossAttack(topPercentile);
    case "modified-entropy":
      return modifiedEntropyAttack(topPercentile);
    case "correctness":
      return correctnessAttack();
  }
}

export interface PosteriorsAuditOptions extends AttackInputData {
  /** The target's posteriors on random noise queries, for adversary 3's threshold. */
  readonly noise?: Posteriors;
  /** Default: every attack the inputs allow (label-aware ones need both label vectors). */
  readonly attacks?: readonly PosteriorAttackName[];
  /** t of the top-t percentile thresholds (default 10). */
  readonly topPercentile?: number;
  readonly seed?: number;
  /** Confidence level, delta, bootstrap size and balancing of every attack's figures. */
  readonly statistics?: StatisticsOptions;
}

/** Checks shapes, probabilities and labels; errors name the side ("members", "non-members"). */
export function validateAttackInput(input: AttackInputData): void {
  checkPosteriors(input.members, "members", (r) => `row ${r}`);
  checkPosteriors(input.nonMembers, "non-members", (r) => `row ${r}`);
  if (input.members.classes !== input.nonMembers.classes) {
    throw new Error(`members have ${input.members.classes} classes but non-members have ${input.nonMembers.classes}`);
  }
  const sides = [
    ["members", input.members, input.membersLabels],
    ["non-members", input.nonMembers, input.nonMembersLabels],
  ] as const;
  for (const [side, p, labels] of sides) {
    if (!labels) continue;
    if (labels.length !== p.rows) throw new Error(`${side}: ${labels.length} labels for ${p.rows} rows of posteriors`);
    for (let i = 0; i < labels.length; i++) {
      const y = labels[i]!;
      if (!(y >= 0 && y < p.classes)) throw new Error(`${side}: label of row ${i} is ${y}, expected a class index from 0 to ${p.classes - 1}`);
    }
  }
}

export async function auditPosteriors(options: PosteriorsAuditOptions): Promise<AuditReport> {
  await initKernels();
  validateAttackInput(options);
  const topPercentile = options.topPercentile ?? DEFAULT_TOP_PERCENTILE;
  if (!(topPercentile > 0 && topPercentile < 100)) throw new RangeError(`topPercentile must lie strictly between 0 and 100, got ${topPercentile}`);
  const statistics = resolveStatistics(options.statistics);
  if (options.noise) checkPosteriors(options.noise, "noise", (r) => `row ${r}`);
  const hasLabels = options.membersLabels !== undefined && options.nonMembersLabels !== undefined;
  const requested = options.attacks ?? POSTERIOR_ATTACKS;
  const notes: string[] = [];
  const results: AttackResult[] = [];
  for (const name of requested) {
    const strategy = posteriorAttack(name, topPercentile);
    if (strategy.needsLabels && !hasLabels) {
      notes.push(`${name} skipped: it needs the labels of both members and non-members`);
      continue;
    }
    results.push(await runAttack(strategy, options, { seed: options.seed ?? 0, statistics, ...(options.noise ? { noise: options.noise } : {}) }));
  }
  const target: TargetSummary = hasLabels
    ? { kind: "external", ...targetAccuracy(options.members, options.membersLabels!, options.nonMembers, options.nonMembersLabels!) }
    : { kind: "external" };
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    mode: "posteriors",
    seed: options.seed ?? 0,
    config: {
      attacks: [...requested],
      topPercentile,
      members: options.members.rows,
      nonMembers: options.nonMembers.rows,
      classes: options.members.classes,
      noiseQueries: options.noise?.rows ?? 0,
      statistics,
    },
    runs: [{ defence: "external", target, attacks: results }],
    notes,
  };
}
