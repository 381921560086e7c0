// The posteriors-only audit: for a model trained anywhere. The caller passes the target's
// posteriors on known members and known non-members (and their labels for the label-aware
// attacks); no model, no file system, no runtime API.
import { DEFAULT_TOP_PERCENTILE, lossAttack } from "./attacks/metric.js";
import { checkPosteriors } from "./attacks/posterior-files.js";
import { ATTACKS, attackEntry, resolveAttackOptions } from "./attacks/registry.js";
import { runAttack } from "./attacks/run.js";
import type { BoundaryQueries } from "./attacks/boundary.js";
import type { AttackInputData, AttackResult, AttackStrategy, PopulationData, StatisticsOptions } from "./attacks/types.js";
import { initKernels } from "./kernels/index.js";
import { targetAccuracy } from "./metrics/accuracy.js";
import { REPORT_SCHEMA_VERSION, type AuditReport, type TargetSummary } from "./report/types.js";
import type { Posteriors } from "./types.js";
import { toLabelVector, toNumberVector, toPosteriorMatrix, type LabelsLike, type PosteriorsLike } from "./attacks/plain-input.js";
import { evaluateAttack, resolveStatistics } from "./metrics/evaluate.js";
import { percentile } from "./kernels/index.js";

/** The attacks that need nothing but the target's answers (and labels, noise and population answers when given): none trains a model. */
export const POSTERIOR_ATTACKS: readonly string[] = ATTACKS.filter((a) => a.needs.every((n) => n === "labels" || n === "noise" || n === "population")).map((a) => a.name);
export type PosteriorAttackName = string;
const needsPopulation = (name: PosteriorAttackName) => attackEntry(name).needs.includes("population");

/**
 * The attacks that also query the target for labels while they run (label-only-boundary): they run
 * only when asked for and given `boundary`, never by default (hundreds of queries a record).
 */
export const LABEL_QUERY_ATTACKS: readonly string[] = ATTACKS.filter((a) => a.needs.includes("model") && a.needs.every((n) => n === "labels" || n === "model")).map((a) => a.name);

export function posteriorAttack(name: PosteriorAttackName, topPercentile = DEFAULT_TOP_PERCENTILE, alpha?: number): AttackStrategy {
  if (!POSTERIOR_ATTACKS.includes(name)) throw new RangeError(`attack '${name}' needs more than posteriors: expected one of ${POSTERIOR_ATTACKS.join(", ")}`);
  return createAttack(name, topPercentile, alpha);
}

function createAttack(name: string, topPercentile: number, alpha: number | undefined): AttackStrategy {
  return attackEntry(name).create({ topK: 1, topPercentile, shadows: 0, shadowModel: "", combinedModels: [], ...(alpha !== undefined ? { alpha } : {}) });
}

export interface PosteriorsAuditOptions {
  /** The target's posteriors on known members: Posteriors or plain rows ([[0.9, 0.1], ...]). */
  readonly members: PosteriorsLike;
  readonly nonMembers: PosteriorsLike;
  /** True class labels (Int32Array or number[]), needed by the label-aware attacks. */
  readonly membersLabels?: LabelsLike;
  readonly nonMembersLabels?: LabelsLike;
  /** The target's posteriors on random noise queries, for adversary 3's threshold. */
  readonly noise?: PosteriorsLike;
  /** The target's posteriors on population records (records it never trained on) and their labels, for attack-P. */
  readonly population?: { readonly posteriors: PosteriorsLike; readonly labels: LabelsLike };
  /** The FPR attack-P aims at (default 0.01). */
  readonly alpha?: number;
  /**
   * The target as a label oracle on the members' and non-members' records (the edge handler's
   * model-URL form builds it from the model it queries): label-only-boundary runs when `attacks`
   * names it.
   */
  readonly boundary?: BoundaryQueries;
  /** Default: every attack the inputs allow (label-aware ones need both label vectors, attack-p the population; label-only-boundary only when named). */
  readonly attacks?: readonly PosteriorAttackName[];
  /** t of the top-t percentile thresholds (default 10). */
  readonly topPercentile?: number;
  readonly seed?: number;
  /** Confidence level, delta, bootstrap size and balancing of every attack's figures. */
  readonly statistics?: StatisticsOptions;
}

/** Checks shapes, probabilities and labels; errors name the side ("members", "non-members"). */
export function validateAttackInput(input: AttackInputData, membersName = "members"): void {
  checkPosteriors(input.members, membersName, (r) => `row ${r}`);
  checkPosteriors(input.nonMembers, "non-members", (r) => `row ${r}`);
  if (input.members.classes !== input.nonMembers.classes) {
    throw new Error(`${membersName} have ${input.members.classes} classes but ${membersName === "members" ? "non-members" : "members"} have ${input.nonMembers.classes}`);
  }
  const sides = [
    [membersName, input.members, input.membersLabels],
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

/** The options' posteriors and labels as typed arrays, checked; errors name the option. */
export function normalizePosteriorsInput(options: PosteriorsAuditOptions): AttackInputData & { readonly noise?: Posteriors; readonly population?: PopulationData } {
  if (typeof options !== "object" || options === null) throw new TypeError("auditPosteriors: expected an options object {members, nonMembers, ...}");
  const input = {
    members: toPosteriorMatrix(options.members, "members"),
    nonMembers: toPosteriorMatrix(options.nonMembers, "nonMembers"),
    ...(options.membersLabels !== undefined ? { membersLabels: toLabelVector(options.membersLabels, "membersLabels") } : {}),
    ...(options.nonMembersLabels !== undefined ? { nonMembersLabels: toLabelVector(options.nonMembersLabels, "nonMembersLabels") } : {}),
    ...(options.noise !== undefined ? { noise: toPosteriorMatrix(options.noise, "noise") } : {}),
    ...(options.population !== undefined ? { population: { target: toPosteriorMatrix(options.population.posteriors, "population.posteriors"), labels: toLabelVector(options.population.labels, "population.labels") } } : {}),
  };
  validateAttackInput(input);
  if (input.noise) {
    checkPosteriors(input.noise, "noise", (r) => `row ${r}`);
    if (input.noise.classes !== input.members.classes) throw new Error(`noise has ${input.noise.classes} classes but members have ${input.members.classes}`);
  }
  if (input.population) validateAttackInput({ members: input.population.target, nonMembers: input.members, membersLabels: input.population.labels }, "population");
  return input;
}

export async function auditPosteriors(plainOptions: PosteriorsAuditOptions): Promise<AuditReport> {
  await initKernels();
  const input = normalizePosteriorsInput(plainOptions);
  const options = { ...plainOptions, ...input, membersLabels: input.membersLabels, nonMembersLabels: input.nonMembersLabels, noise: input.noise, population: input.population };
  const topPercentile = options.topPercentile ?? DEFAULT_TOP_PERCENTILE;
  if (!(topPercentile > 0 && topPercentile < 100)) throw new RangeError(`topPercentile must lie strictly between 0 and 100, got ${topPercentile}`);
  const statistics = resolveStatistics(options.statistics);
  const hasLabels = options.membersLabels !== undefined && options.nonMembersLabels !== undefined;
  const requested = options.attacks ?? POSTERIOR_ATTACKS.filter((name) => options.population || !needsPopulation(name));
  const notes: string[] = [];
  const results: AttackResult[] = [];
  for (const name of requested) {
    const strategy = LABEL_QUERY_ATTACKS.includes(name) ? createAttack(name, topPercentile, options.alpha) : posteriorAttack(name, topPercentile, options.alpha);
    if (strategy.needsLabels && !hasLabels) {
      notes.push(`${name} skipped: it needs the labels of both members and non-members`);
      continue;
    }
    const context = attackEntry(name).context({ ...(options.noise ? { noise: options.noise } : {}), ...(options.population ? { population: options.population } : {}), ...(options.boundary ? { boundary: options.boundary } : {}) });
    if (!context) {
      notes.push(
        LABEL_QUERY_ATTACKS.includes(name)
          ? `${name} skipped: it needs the target as a model to query for labels (the edge handler's model-URL form, auditModel() or audit())`
          : `${name} skipped: it needs the target's posteriors on population records (records it never trained on) with their labels`,
      );
      continue;
    }
    results.push(await runAttack(strategy, input, { seed: options.seed ?? 0, statistics, ...context }));
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
      ...(options.population ? { populationRecords: options.population.target.rows, alpha: resolveAttackOptions({ ...(options.alpha !== undefined ? { alpha: options.alpha } : {}) }).alpha } : {}),
      statistics,
    },
    runs: [{ defence: "external", target, attacks: results }],
    notes,
  };
}

export interface LossesAuditOptions {
  /** The target's loss on each known member (number[] or a typed array). */
  readonly members: ArrayLike<number>;
  readonly nonMembers: ArrayLike<number>;
  /** t of the top-t percentile threshold (default 10). */
  readonly topPercentile?: number;
  readonly seed?: number;
  /** Confidence level, delta, bootstrap size and balancing of the figures. */
  readonly statistics?: StatisticsOptions;
}

/**
 * The audit for per-record losses alone (no posteriors): only the loss attack (Yeom et al.) can run;
 * score = -loss, threshold at the top-t percentile of the known non-members, as lossAttack.
 */
export async function auditLosses(options: LossesAuditOptions): Promise<AuditReport> {
  await initKernels();
  const members = toNumberVector(options.members, "members");
  const nonMembers = toNumberVector(options.nonMembers, "nonMembers");
  const topPercentile = options.topPercentile ?? DEFAULT_TOP_PERCENTILE;
  if (!(topPercentile > 0 && topPercentile < 100)) throw new RangeError(`topPercentile must lie strictly between 0 and 100, got ${topPercentile}`);
  const reference = lossAttack(topPercentile);
  const scores = {
    members: members.map((v) => -v),
    nonMembers: nonMembers.map((v) => -v),
    threshold: percentile(nonMembers.map((v) => -v), 100 - topPercentile),
    thresholdRule: `top ${topPercentile}% of the known non-members`,
  };
  const statistics = resolveStatistics(options.statistics);
  const { metrics, roc } = evaluateAttack(reference.name, scores, { ...statistics, seed: options.seed ?? 0 });
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    mode: "posteriors",
    seed: options.seed ?? 0,
    config: { attacks: [reference.name], topPercentile, members: members.length, nonMembers: nonMembers.length, input: "losses", statistics },
    runs: [{ defence: "external", target: { kind: "external" }, attacks: [{ name: reference.name, title: reference.title, metrics, roc }] }],
    notes: ["per-record losses given: only the loss attack runs (the other attacks need the full posteriors)"],
  };
}
