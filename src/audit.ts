// audit(): the ML-Leaks evaluation end to end, as a library call with no runtime API in it. Split the
// dataset into target-train / target-out / shadow-train / shadow-out, train the target (once per
// defence) and the attacker's shadow models, run every attack, measure everything.
//
// Every model is a plain-data TrainingJob, so the caller decides where models train: one after
// another in this thread (the default) or across workers (the Node CLI passes a worker pool); the
// results are bit-identical either way.
import { DEFAULT_MAX_QUERIES, predictedLabels, type BoundaryQueries } from "./attacks/boundary.js";
import { DEFAULT_TOP_PERCENTILE } from "./attacks/metric.js";
import { dataNoiseRecords, DEFAULT_NOISE_QUERIES, NOISE_RULES, noiseRecords, type NoiseRule } from "./attacks/noise.js";
import { planAttacks, resolveAttackOptions, type AttackOptions, type AttackSettings } from "./attacks/registry.js";
import { auditCanaries, planCanaries } from "./audit-canaries.js";
import { runAttack } from "./attacks/run.js";
import { augmentedRecords, DEFAULT_AUGMENTATIONS, DEFAULT_FLIP_RATE } from "./attacks/label-only.js";
import { augmentImages, checkAugmentable, describeAugmentations, liraAugmentations } from "./attacks/lira-augment.js";
import { auditSignals, type AuditSignals } from "./attacks/signals.js";
import { resolveStatistics } from "./metrics/evaluate.js";
import { DEFAULT_TOP_K } from "./attacks/shadow.js";
import type { AttackInputData, AttackModel, AttackModelTrainer, AttackResult, AttackScores, ReferenceModels, StatisticsOptions } from "./attacks/types.js";
import type { PerRecordRun } from "./metrics/per-record.js";
import { mlLeaksSplit, subsetDataset, type Dataset } from "./datasets/index.js";
import { initKernels, Pcg32 } from "./kernels/index.js";
import { targetAccuracy } from "./metrics/accuracy.js";
import { classifierWithWeights, createClassifier } from "./models/create.js";
import "./models/engines.js";
import { runTrainingJob, trainSequentially, type TrainingJob, type TrainingResult } from "./models/parallel.js";
import type { Classifier, Engine, EpochInfo, ModelKind, ModelSpec, TrainOptions } from "./models/types.js";
import { REPORT_SCHEMA_VERSION, type AuditReport, type AuditRun, type DatasetSummary } from "./report/types.js";
import type { LabeledData, Posteriors } from "./types.js";
import { sha256Hex } from "./util/sha256.js";
import { concatArrays } from "./util/concat.js";
import { defenceNamed, DEFENCES, type DefenceName } from "./defences/registry.js";
import type { DefendedTarget, DefenceSettings, Query, TargetPlan } from "./defences/types.js";
import { DP_SGD_DEFAULTS, type DpSgdDefenceSettings } from "./defences/dp-sgd.js";
import { TRAINING_OBJECTIVE_DEFAULTS } from "./defences/training-objectives.js";
import { MEMGUARD_DEFAULTS, type MemGuardSettings } from "./defences/memguard.js";
import { HAMP_DEFAULTS, type HampSettings } from "./defences/hamp.js";
import { EARLY_STOPPING_DEFAULTS, type EarlyStoppingDefenceSettings } from "./defences/early-stopping.js";

export type Adversary = 1 | 2 | 3;
/** Attacks beyond the three adversaries. */
export const EXTRA_ATTACKS = ["shokri", "combined", "loss", "modified-entropy", "correctness", "lira", "lira-global", "rmia", "quantile", "attack-p", "attack-r", "label-only-augmentation", "label-only-boundary"] as const;
export type ExtraAttack = (typeof EXTRA_ATTACKS)[number];
/** Records per label query of the boundary search on a target audit() trained. */
const BOUNDARY_BATCH = 500;
/** A model audit's attacks when none are named: all but the boundary search (hundreds of queries a record). */
export const DEFAULT_MODEL_ATTACKS: readonly ExtraAttack[] = EXTRA_ATTACKS.filter((a) => a !== "label-only-boundary");
export { DEFENCES } from "./defences/registry.js";
export type Defence = DefenceName;
/** "auto": the fused dense engine for dense models, tfjs for the CNN. */
export type EngineChoice = Engine | "auto";

export const AUDIT_DEFAULTS = {
  epochs: 50,
  attackEpochs: 50,
  topK: DEFAULT_TOP_K,
  shadows: 10,
  dropout: 0.5,
  // Top-1 renormalised is label-only; three classes is Shokri et al.'s restricted output.
  outputTopK: 3,
  outputDecimals: 2,
  l2Penalty: 1e-3,
  labelSmoothing: 0.1,
  ...TRAINING_OBJECTIVE_DEFAULTS,
  noiseQueries: DEFAULT_NOISE_QUERIES,
  topPercentile: DEFAULT_TOP_PERCENTILE,
  attacks: ["loss", "modified-entropy", "correctness"] as readonly ExtraAttack[],
} as const;

export interface AuditProgress {
  /** Models finished and models in all (training is the long part of an audit). */
  readonly done: number;
  readonly total: number;
  /** What is happening: "target mlp (none) epoch 12/50", "attack adversary-1". */
  readonly detail: string;
}

/** Trains jobs and returns their results in job order (trainSequentially, or a worker pool). */
export type JobRunner = (
  jobs: readonly TrainingJob[],
  hooks: { onEpoch?: (index: number, info: EpochInfo) => void; onResult?: (index: number, result: TrainingResult) => void; signal?: AbortSignal },
) => Promise<TrainingResult[]>;

export interface AuditOptions {
  readonly dataset: Dataset;
  /** Adversary 2's shadow data: another dataset (its own shadow-train and shadow-out parts). */
  readonly shadowDataset?: Dataset;
  readonly seed: number;
  /** Default [1, 3], plus 2 when a shadowDataset is given. */
  readonly adversaries?: readonly Adversary[];
  /** Default: the metric attacks (loss, modified-entropy, correctness), which cost no training. */
  readonly attacks?: readonly ExtraAttack[];
  /** Default ["none"]. */
  readonly defences?: readonly Defence[];
  /** Target architecture; default cnn for images of 16x16 or more, mlp otherwise. */
  readonly target?: ModelKind;
  /** Adversary 1's shadow architecture; default: the target's. */
  readonly shadowModel?: ModelKind;
  /** Architectures pooled by the combined attack; default cnn (images only), mlp, logreg. */
  readonly combinedModels?: readonly ModelKind[];
  /** Records in each of the four parts; default a quarter of the dataset. */
  readonly partSize?: number;
  /** Records in each part of the shadow dataset's split (adversary 2); default a quarter of it. */
  readonly shadowPartSize?: number;
  readonly epochs?: number;
  readonly attackEpochs?: number;
  readonly topK?: number;
  /** Shokri's shadow models, and LiRA's/RMIA's reference models. */
  readonly shadows?: number;
  /** Dropout rate of the dropout defence. */
  readonly dropout?: number;
  /** Classes the output-top-k defence releases (default 3). */
  readonly outputTopK?: number;
  /** Decimals the output-rounding defence keeps (default 2). */
  readonly outputDecimals?: number;
  /** The dp-sgd defence: clip norm, noise multiplier (or target epsilon), delta; default DP_SGD_DEFAULTS. */
  readonly dpSgd?: Partial<DpSgdDefenceSettings>;
  /** The l2 defence's penalty (default 1e-3, against the usual 1e-7). */
  readonly l2Penalty?: number;
  /** The label-smoothing defence's epsilon (default 0.1). */
  readonly labelSmoothing?: number;
  /** The relaxloss defence's target loss level alpha (default 1). */
  readonly relaxLossAlpha?: number;
  /** The adversarial-regularization defence's lambda (default 3) and inference-model steps per classifier step (default 1). */
  readonly advRegLambda?: number;
  readonly advRegSteps?: number;
  /** The memguard defence's expected L1 distortion budget (default MEMGUARD_DEFAULTS). */
  readonly memguard?: Partial<MemGuardSettings>;
  /** The hamp defence's entropy threshold and output-entropy weight (default HAMP_DEFAULTS). */
  readonly hamp?: Partial<HampSettings>;
  /** The early-stopping defence's patience and validation share (default EARLY_STOPPING_DEFAULTS). */
  readonly earlyStopping?: Partial<EarlyStoppingDefenceSettings>;
  readonly noiseQueries?: number;
  /** Adversary 3's noise: "paper" (default, no data), "marginal" or "uniform" (from the shadow parts' per-feature values). */
  readonly noise?: NoiseRule;
  /** The one-run audit (Steinke, Nasr, Jagielski 2023): M canaries, each in the target's training set with probability 1/2. */
  readonly canaries?: number;
  /** Called once per defence with every attack's per-record scores (for perRecordTable / --per-record). */
  readonly onPerRecord?: (run: PerRecordRun) => void;
  readonly topPercentile?: number;
  readonly engine?: EngineChoice;
  /** Where models train; default one after another in this thread. A runner that trains elsewhere
   *  (workers, a queue) lets the audit attack each defence's target as soon as its models are in,
   *  while the rest still train; without one, every model trains before the first attack. */
  readonly runJobs?: JobRunner;
  readonly onProgress?: (progress: AuditProgress) => void;
  readonly signal?: AbortSignal;
  /** Confidence level, delta, bootstrap size and balancing of every attack's figures. */
  readonly statistics?: StatisticsOptions;
  /** The quantile attack's, attack-P/R's and RMIA's parameters. */
  readonly attackOptions?: AttackOptions;
  /** Receives, per defence, what LiRA and RMIA consume (for --save-signals), when reference models trained. */
  readonly onSignals?: (signals: AuditSignals, defence: string) => void;
}

/**
 * LiRA's augmented copies of the audited records (members then non-members), when LiRA runs with
 * augmentations > 1: one query for the target and every reference model, and what the report says.
 */
export function liraAugmentedQueries(config: { readonly attacks: readonly string[]; readonly augmentations?: number }, recordShape: readonly number[], parts: readonly LabeledData[], seed: number) {
  const count = config.augmentations ?? 1;
  checkAugmentable(recordShape, count);
  if (count === 1 || !["lira", "lira-global"].some((a) => config.attacks.includes(a))) return undefined;
  const augmentations = liraAugmentations(count, seed);
  const features = augmentImages(concatArrays(parts.map((p) => p.features), (n) => new Float32Array(n)), recordShape, augmentations);
  const width = recordShape.reduce((a, b) => a * b, 1);
  return { query: { features, rows: features.length / width }, summary: { queries: count, what: describeAugmentations(augmentations) } };
}

/** Attacks that need reference models (each trained on a random half of the candidates). */
export const wantsReferenceModels = (attacks: readonly string[]) => ["lira", "lira-global", "rmia", "attack-r"].some((a) => attacks.includes(a));
/** Attacks that need the target's answers on population records. */
export const wantsPopulationAnswers = (attacks: readonly string[]) => wantsReferenceModels(attacks) || attacks.includes("quantile") || attacks.includes("attack-p");

/** The paper's CNN pools twice after 5x5 convolutions: it needs images of at least 16x16. */
const isImage = (d: Pick<Dataset, "kind" | "recordShape">) => d.kind === "image" && d.recordShape.length === 3 && d.recordShape[0]! >= 16 && d.recordShape[1]! >= 16;
/** Default target architecture for a dataset. */
export const defaultModel = (d: Pick<Dataset, "kind" | "recordShape">): ModelKind => (isImage(d) ? "cnn" : "mlp");
const rowsOf = (data: LabeledData): number => data.labels.length;

function summarize(d: Dataset, partSize: number): DatasetSummary {
  return { name: d.name, classes: d.numClasses, partSize, featureKind: d.featureKind, provenance: d.provenance };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(message);
}

/** Validated options with every default filled in: this is the report's config. */
export function resolveAuditConfig(options: AuditOptions) {
  const { dataset, shadowDataset } = options;
  const adversaries = [...new Set(options.adversaries ?? (shadowDataset ? [1, 2, 3] : [1, 3]))].sort() as Adversary[];
  const attacks = [...new Set(options.attacks ?? AUDIT_DEFAULTS.attacks)];
  const defences = [...new Set(options.defences ?? (["none"] as Defence[]))];
  for (const a of adversaries) check(a === 1 || a === 2 || a === 3, `adversaries: expected 1, 2 or 3, got ${String(a)}`);
  for (const a of attacks) check(EXTRA_ATTACKS.includes(a), `attacks: expected some of ${EXTRA_ATTACKS.join(", ")}, got '${String(a)}'`);
  for (const d of defences) check(DEFENCES.includes(d), `defences: expected some of ${DEFENCES.join(", ")}, got '${String(d)}'`);
  check(defences.length > 0, `defences: expected at least one of ${DEFENCES.join(", ")}`);
  check(Number.isSafeInteger(options.seed) && options.seed >= 0, `seed: expected an integer from 0 to 2^53-1, got ${options.seed}`);
  // Top-3 by default, fewer when a dataset has fewer classes (faces and census have two).
  const topK = options.topK ?? Math.min(AUDIT_DEFAULTS.topK, dataset.numClasses, ...(shadowDataset && adversaries.includes(2) ? [shadowDataset.numClasses] : []));
  const epochs = options.epochs ?? AUDIT_DEFAULTS.epochs;
  const attackEpochs = options.attackEpochs ?? AUDIT_DEFAULTS.attackEpochs;
  const shadows = options.shadows ?? AUDIT_DEFAULTS.shadows;
  const dropout = options.dropout ?? AUDIT_DEFAULTS.dropout;
  const noiseQueries = options.noiseQueries ?? AUDIT_DEFAULTS.noiseQueries;
  const topPercentile = options.topPercentile ?? AUDIT_DEFAULTS.topPercentile;
  const outputTopK = options.outputTopK ?? Math.min(AUDIT_DEFAULTS.outputTopK, dataset.numClasses);
  const outputDecimals = options.outputDecimals ?? AUDIT_DEFAULTS.outputDecimals;
  check(Number.isInteger(outputTopK) && outputTopK >= 1 && outputTopK <= dataset.numClasses, `outputTopK: expected an integer from 1 to ${dataset.numClasses} (${dataset.name}'s classes), got ${outputTopK}`);
  const dpSgd = { ...DP_SGD_DEFAULTS, ...options.dpSgd };
  check(dpSgd.clipNorm > 0, `dpSgd.clipNorm: expected a number > 0, got ${dpSgd.clipNorm}`);
  check(dpSgd.noiseMultiplier >= 0 && Number.isFinite(dpSgd.noiseMultiplier), `dpSgd.noiseMultiplier: expected a finite number >= 0, got ${dpSgd.noiseMultiplier}`);
  check(dpSgd.delta > 0 && dpSgd.delta < 1, `dpSgd.delta: expected a number between 0 and 1 (exclusive), got ${dpSgd.delta}`);
  check(dpSgd.targetEpsilon === undefined || dpSgd.targetEpsilon > 0, `dpSgd.targetEpsilon: expected a number > 0, got ${dpSgd.targetEpsilon}`);
  const l2Penalty = options.l2Penalty ?? AUDIT_DEFAULTS.l2Penalty;
  check(l2Penalty >= 0 && Number.isFinite(l2Penalty), `l2Penalty: expected a finite number >= 0, got ${l2Penalty}`);
  const labelSmoothing = options.labelSmoothing ?? AUDIT_DEFAULTS.labelSmoothing;
  check(labelSmoothing > 0 && labelSmoothing < 1, `labelSmoothing: expected a number between 0 and 1 (exclusive), got ${labelSmoothing}`);
  const relaxLossAlpha = options.relaxLossAlpha ?? AUDIT_DEFAULTS.relaxLossAlpha;
  check(relaxLossAlpha > 0 && Number.isFinite(relaxLossAlpha), `relaxLossAlpha: expected a finite number > 0 (the target loss level), got ${relaxLossAlpha}`);
  const advRegLambda = options.advRegLambda ?? AUDIT_DEFAULTS.advRegLambda;
  check(advRegLambda >= 0 && Number.isFinite(advRegLambda), `advRegLambda: expected a finite number >= 0, got ${advRegLambda}`);
  const advRegSteps = options.advRegSteps ?? AUDIT_DEFAULTS.advRegSteps;
  check(Number.isInteger(advRegSteps) && advRegSteps >= 1, `advRegSteps: expected an integer >= 1, got ${advRegSteps}`);
  const memguard = { ...MEMGUARD_DEFAULTS, ...options.memguard };
  check(memguard.budget >= 0 && memguard.budget <= 2, `memguard.budget: expected an expected L1 distortion from 0 to 2, got ${memguard.budget}`);
  const hamp = { ...HAMP_DEFAULTS, ...options.hamp };
  check(hamp.gamma > 0 && hamp.gamma < 1, `hamp.gamma: expected an entropy threshold between 0 and 1 (exclusive), got ${hamp.gamma}`);
  check(hamp.alpha >= 0 && Number.isFinite(hamp.alpha), `hamp.alpha: expected a finite number >= 0 (the weight of the output entropy), got ${hamp.alpha}`);
  const earlyStopping = { ...EARLY_STOPPING_DEFAULTS, ...options.earlyStopping };
  check(Number.isInteger(earlyStopping.patience) && earlyStopping.patience >= 1, `earlyStopping.patience: expected a positive integer, got ${earlyStopping.patience}`);
  check(earlyStopping.validationFraction > 0 && earlyStopping.validationFraction < 1, `earlyStopping.validationFraction: expected a number between 0 and 1 (exclusive), got ${earlyStopping.validationFraction}`);
  check(Number.isInteger(outputDecimals) && outputDecimals >= 0 && outputDecimals <= 6, `outputDecimals: expected an integer from 0 to 6, got ${outputDecimals}`);
  check(Number.isInteger(topK) && topK >= 1, `topK: expected a positive integer, got ${topK}`);
  check(topK <= dataset.numClasses, `topK: ${topK} exceeds ${dataset.name}'s ${dataset.numClasses} classes`);
  check(Number.isInteger(epochs) && epochs >= 1, `epochs: expected a positive integer, got ${epochs}`);
  check(Number.isInteger(attackEpochs) && attackEpochs >= 1, `attackEpochs: expected a positive integer, got ${attackEpochs}`);
  check(Number.isInteger(shadows) && shadows >= 1, `shadows: expected a positive integer, got ${shadows}`);
  check(dropout > 0 && dropout < 1, `dropout: expected a rate between 0 and 1 (exclusive), got ${dropout}`);
  const noise = options.noise ?? "paper";
  check(NOISE_RULES.includes(noise), `noise: expected one of ${NOISE_RULES.join(", ")}, got '${String(noise)}'`);
  check(Number.isInteger(noiseQueries) && noiseQueries >= 1, `noiseQueries: expected a positive integer, got ${noiseQueries}`);
  check(topPercentile > 0 && topPercentile < 100, `topPercentile: expected a number between 0 and 100 (exclusive), got ${topPercentile}`);
  const transfer = adversaries.includes(2);
  if (transfer) {
    check(shadowDataset !== undefined, "adversary 2 needs a shadow dataset (shadowDataset / --shadow-dataset)");
    check(shadowDataset!.name !== dataset.name, `adversary 2 needs a different dataset from the target's (${dataset.name})`);
    check(
      topK <= shadowDataset!.numClasses,
      `adversary 2: top-k = ${topK} exceeds ${shadowDataset!.name}'s ${shadowDataset!.numClasses} classes; use a top-k of at most ${Math.min(dataset.numClasses, shadowDataset!.numClasses)}`,
    );
  }
  const target = options.target ?? defaultModel(dataset);
  check(target !== "attack-mlp", "target: attack-mlp is the attack model, not a target architecture");
  const engine = options.engine ?? "auto";
  const partSize = options.partSize ?? Math.floor(rowsOf(dataset) / 4);
  check(Number.isInteger(partSize) && partSize >= 2 && 4 * partSize <= rowsOf(dataset), `partSize: ${dataset.name} has ${rowsOf(dataset)} records, so a part holds 2 to ${Math.floor(rowsOf(dataset) / 4)}; got ${partSize}`);
  return {
    dataset: dataset.name,
    shadowDataset: transfer ? shadowDataset!.name : undefined,
    adversaries,
    attacks,
    defences,
    target,
    shadowModel: options.shadowModel ?? target,
    shadowDatasetModel: transfer ? defaultModel(shadowDataset!) : undefined,
    combinedModels: [...(options.combinedModels ?? (isImage(dataset) ? ["cnn", "mlp", "logreg"] : ["mlp", "logreg"]))] as ModelKind[],
    stackingModels: (isImage(dataset) ? [target, "mlp"] : [target, "logreg"]) as ModelKind[],
    partSize,
    shadowPartSize: transfer ? (options.shadowPartSize ?? Math.floor(rowsOf(shadowDataset!) / 4)) : undefined,
    epochs,
    attackEpochs,
    topK,
    shadows,
    dropout,
    // A defence's parameters are part of the config only when it runs (older reports stay as they were).
    outputTopK: defences.includes("output-top-k") ? outputTopK : undefined,
    outputDecimals: defences.includes("output-rounding") ? outputDecimals : undefined,
    dpSgd: defences.includes("dp-sgd") ? dpSgd : undefined,
    l2Penalty: defences.includes("l2") ? l2Penalty : undefined,
    labelSmoothing: defences.includes("label-smoothing") ? labelSmoothing : undefined,
    relaxLossAlpha: defences.includes("relaxloss") ? relaxLossAlpha : undefined,
    advRegLambda: defences.includes("adversarial-regularization") ? advRegLambda : undefined,
    advRegSteps: defences.includes("adversarial-regularization") ? advRegSteps : undefined,
    memguard: defences.includes("memguard") ? memguard : undefined,
    hamp: defences.includes("hamp") ? hamp : undefined,
    earlyStopping: defences.includes("early-stopping") ? earlyStopping : undefined,
    noiseQueries,
    noiseKind: dataset.featureKind,
    // Like a defence's parameters: in the config only when not the default, so older reports stay as they were.
    noise: noise === "paper" ? undefined : noise,
    canaries: options.canaries || undefined,
    topPercentile,
    seed: options.seed,
    engine,
    statistics: resolveStatistics(options.statistics),
    ...resolveAttackOptions(options.attackOptions),
    batchSize: 100,
    learningRate: 0.001,
    l2: 1e-7,
  };
}

export type AuditConfig = ReturnType<typeof resolveAuditConfig>;

/** Seeds of the audit's sub-tasks come from one PCG32 stream of the audit seed (never the split's). */
export const AUDIT_STREAM = 0xa0d17;
export const SLOT = { target: 0, shadow: 1, transfer: 2, noise: 3, attack: 4, defence: 5, shokri: 6, combined: 7, reference: 8, augment: 9, canaries: 10 } as const;

export function seedsFor(seed: number): (slot: number, index?: number) => number {
  const words = new Pcg32(seed, AUDIT_STREAM).fillUint32(16);
  return (slot, index = 0) => words[slot]! * 4096 + index;
}

export function engineFor(kind: ModelKind, engine: EngineChoice): Engine {
  if (engine === "auto") return kind === "cnn" || kind === "layers" ? "tfjs" : "fused";
  return engine;
}

/** A slim, structured-clone-friendly copy of the training data. */
export function plain(data: LabeledData): LabeledData {
  return { features: data.features, recordShape: [...data.recordShape], labels: data.labels, numClasses: data.numClasses };
}

export function concatPosteriors(parts: readonly Posteriors[]): Posteriors {
  const classes = parts[0]!.classes;
  const values = concatArrays(parts.map((p) => p.values), (n) => new Float32Array(n));
  return { values, rows: values.length / classes, classes };
}

/** Several shadows' member/non-member posteriors pooled into one attack training set. */
export function pool(inputs: readonly AttackInputData[]): AttackInputData {
  return {
    members: concatPosteriors(inputs.map((i) => i.members)),
    nonMembers: concatPosteriors(inputs.map((i) => i.nonMembers)),
    membersLabels: concatArrays(inputs.map((i) => i.membersLabels!), (n) => new Int32Array(n)),
    nonMembersLabels: concatArrays(inputs.map((i) => i.nonMembersLabels!), (n) => new Int32Array(n)),
  };
}

export type { Query } from "./defences/types.js";

/** One model as a plain-data job: architecture from `shapeOf`, trained on `train` with the audit's settings. */
export function trainingJob(
  config: Pick<AuditConfig, "engine" | "epochs" | "batchSize" | "learningRate" | "l2">,
  kind: ModelKind,
  shapeOf: LabeledData,
  train: LabeledData,
  seed: number,
  predict: readonly Query[],
  change: { spec?: Partial<ModelSpec>; options?: Partial<TrainOptions> } = {},
): TrainingJob {
  return {
    kind,
    spec: { inputShape: [...shapeOf.recordShape], numClasses: shapeOf.numClasses, engine: engineFor(kind, config.engine), ...change.spec },
    data: plain(train),
    options: { seed, epochs: config.epochs, batchSize: config.batchSize, learningRate: config.learningRate, l2: config.l2, ...change.options },
    predict,
  };
}

interface PlannedJob {
  readonly label: string;
  readonly job: TrainingJob;
}

export async function audit(options: AuditOptions): Promise<AuditReport> {
  await initKernels();
  const config = resolveAuditConfig(options);
  const { dataset, shadowDataset, signal } = options;
  const inThread = options.runJobs === undefined;
  const runJobs: JobRunner = options.runJobs ?? ((jobs, hooks) => trainSequentially(jobs, hooks));
  const seedOf = seedsFor(config.seed);
  const timings: Record<string, number> = {};
  const started = performance.now();
  const lap = (label: string, t0: number) => (timings[label] = (timings[label] ?? 0) + (performance.now() - t0) / 1000);

  const split = mlLeaksSplit(dataset, { seed: config.seed, partSize: config.partSize });
  const width = dataset.recordShape.reduce((a, b) => a * b, 1);
  const wantsReferences = wantsReferenceModels(config.attacks);
  // RMIA's population (and the data-drawn noise's source): the shadow parts, records the target never saw.
  const population = concatArrays([split.indices.shadowTrain, split.indices.shadowOut], (n) => new Int32Array(n));
  const populationData = subsetDataset(dataset, population, "population");
  const noiseRng = new Pcg32(seedOf(SLOT.noise), 1);
  const noise = config.adversaries.includes(3)
    ? {
        features:
          config.noise === undefined
            ? noiseRecords(dataset.featureKind, width, config.noiseQueries, noiseRng)
            : dataNoiseRecords(config.noise, populationData.features, rowsOf(populationData), width, config.noiseQueries, noiseRng),
        rows: config.noiseQueries,
      }
    : undefined;
  // What the target is asked: its members, its non-members, then noise and population when needed.
  const targetQueries = [split.targetTrain, split.targetOut].map((d) => ({ features: d.features, rows: rowsOf(d) }));
  const noiseQuery = noise ? targetQueries.push(noise) - 1 : -1;
  // The one-run audit's canaries join the target's training set (not its members: the attacks' figures stay about its own part).
  const canaries = config.canaries ? planCanaries(dataset, split.targetTrain, population, config.canaries, seedOf(SLOT.canaries)) : undefined;
  const targetTrain = canaries?.train ?? split.targetTrain;
  const canaryQuery = canaries ? targetQueries.push({ features: canaries.canaries.features, rows: config.canaries! }) - 1 : -1;
  const augmentQueries = config.attacks.includes("label-only-augmentation")
    ? [split.targetTrain, split.targetOut].map((d, i) => targetQueries.push({ features: augmentedRecords(d.features, dataset.recordShape, DEFAULT_AUGMENTATIONS, DEFAULT_FLIP_RATE, seedOf(SLOT.augment, i)), rows: DEFAULT_AUGMENTATIONS * rowsOf(d) }) - 1)
    : undefined;
  const populationQuery = wantsPopulationAnswers(config.attacks) ? targetQueries.push({ features: populationData.features, rows: rowsOf(populationData) }) - 1 : -1;
  const liraCopies = liraAugmentedQueries(config, dataset.recordShape, [split.targetTrain, split.targetOut], seedOf(SLOT.augment, 2));
  const liraQuery = liraCopies ? targetQueries.push(liraCopies.query) - 1 : -1;

  const job = (kind: ModelKind, shapeOf: Dataset, train: LabeledData, seed: number, predict: readonly Query[]) => trainingJob(config, kind, shapeOf, train, seed, predict);
  const queriesOf = (...parts: LabeledData[]) => parts.map((d) => ({ features: d.features, rows: rowsOf(d) }));

  // Phase 1: every model that needs nothing but data, all independent of each other.
  const planned: PlannedJob[] = [];
  const add = (label: string, j: TrainingJob) => planned.push({ label, job: j }) - 1;
  // Each defence plans its target; those that change no training share the undefended target.
  const settings: DefenceSettings = {
    target: config.target,
    dropout: config.dropout,
    stackingModels: config.stackingModels,
    outputTopK: config.outputTopK ?? AUDIT_DEFAULTS.outputTopK,
    outputDecimals: config.outputDecimals ?? AUDIT_DEFAULTS.outputDecimals,
    dpSgd: config.dpSgd ?? DP_SGD_DEFAULTS,
    l2Penalty: config.l2Penalty ?? AUDIT_DEFAULTS.l2Penalty,
    labelSmoothing: config.labelSmoothing ?? AUDIT_DEFAULTS.labelSmoothing,
    relaxLossAlpha: config.relaxLossAlpha ?? AUDIT_DEFAULTS.relaxLossAlpha,
    advRegLambda: config.advRegLambda ?? AUDIT_DEFAULTS.advRegLambda,
    advRegSteps: config.advRegSteps ?? AUDIT_DEFAULTS.advRegSteps,
    memguard: config.memguard ?? MEMGUARD_DEFAULTS,
    hamp: config.hamp ?? HAMP_DEFAULTS,
    earlyStopping: config.earlyStopping ?? EARLY_STOPPING_DEFAULTS,
  };
  let plainTarget: number | undefined;
  const targets = config.defences.map((name) => {
    const defence = defenceNamed(name);
    if (!defence.plan) {
      plainTarget ??= add(`target ${config.target}`, job(config.target, dataset, targetTrain, seedOf(SLOT.target), targetQueries));
      return { defence, plan: undefined, first: plainTarget };
    }
    const plan: TargetPlan = defence.plan({
      settings,
      train: targetTrain,
      reference: split.shadowOut,
      queries: targetQueries,
      training: { epochs: config.epochs, batchSize: config.batchSize },
      seeds: { target: seedOf(SLOT.target), defence: seedOf(SLOT.defence) },
      job: (kind, train, seed, predict, change) => trainingJob(config, kind, train, train, seed, predict, change),
    });
    const first = planned.length;
    for (const j of plan.jobs) add(j.label, j.job);
    return { defence, plan, first };
  });
  const wantsShadow = config.adversaries.includes(1) || config.attacks.includes("loss") || config.attacks.includes("modified-entropy");
  const shadowJob = wantsShadow
    ? add(`shadow ${config.shadowModel}`, job(config.shadowModel, dataset, split.shadowTrain, seedOf(SLOT.shadow), queriesOf(split.shadowTrain, split.shadowOut)))
    : undefined;
  let transfer: { job: number; members: Dataset; nonMembers: Dataset } | undefined;
  if (config.adversaries.includes(2)) {
    const other = mlLeaksSplit(shadowDataset!, { seed: config.seed, partSize: config.shadowPartSize! });
    const j = add(
      `shadow ${config.shadowDatasetModel} on ${shadowDataset!.name}`,
      job(config.shadowDatasetModel!, shadowDataset!, other.shadowTrain, seedOf(SLOT.transfer), queriesOf(other.shadowTrain, other.shadowOut)),
    );
    transfer = { job: j, members: other.shadowTrain, nonMembers: other.shadowOut };
  }
  // Shokri: each shadow trains on a random half of the attacker's data; the other half is its non-members.
  const shokri: { job: number; members: Dataset; nonMembers: Dataset }[] = [];
  if (config.attacks.includes("shokri")) {
    // The attacker's data is the shadow parts, the same records as RMIA's population.
    const half = Math.floor(population.length / 2);
    for (let s = 0; s < config.shadows; s++) {
      const order = new Pcg32(seedOf(SLOT.shokri, s), 1).shuffle(population.slice());
      const members = subsetDataset(dataset, order.slice(0, half).sort(), `shokri-${s}-in`);
      const nonMembers = subsetDataset(dataset, order.slice(half, 2 * half).sort(), `shokri-${s}-out`);
      shokri.push({ job: add(`Shokri shadow ${s + 1}/${config.shadows}`, job(config.shadowModel, dataset, members, seedOf(SLOT.shokri, s), queriesOf(members, nonMembers))), members, nonMembers });
    }
  }
  const combined = config.attacks.includes("combined")
    ? config.combinedModels.map((kind, i) => add(`combined shadow ${kind}`, job(kind, dataset, split.shadowTrain, seedOf(SLOT.combined, i), queriesOf(split.shadowTrain, split.shadowOut))))
    : [];
  // LiRA/RMIA reference models: each trains as the target does, on as many records as it (one part),
  // drawn at random from the target's members and non-members, so every candidate is IN for about
  // half of them (Carlini et al.'s setup). Trained on twice the target's records, as they once were,
  // they fit every record better than the target does, and LiRA's per-example Gaussians then sit
  // above the target's scores (see README, "LiRA against the reference code"). No reference model
  // trains on the shadow parts, which are RMIA's population.
  const references: { job: number; included: Uint8Array }[] = [];
  if (wantsReferences) {
    const candidates = concatArrays([split.indices.targetTrain, split.indices.targetOut], (n) => new Int32Array(n));
    const trainSize = split.indices.targetTrain.length;
    const position = new Map<number, number>();
    candidates.forEach((record, i) => position.set(record, i));
    for (let m = 0; m < config.shadows; m++) {
      const order = new Pcg32(seedOf(SLOT.reference, m), 1).shuffle(candidates.slice());
      const chosen = order.slice(0, trainSize).sort();
      const included = new Uint8Array(candidates.length);
      for (const record of chosen) included[position.get(record)!] = 1;
      const trainOn = subsetDataset(dataset, chosen, `reference-${m}`);
      const predict = [...queriesOf(split.targetTrain, split.targetOut), ...queriesOf(populationData), ...(liraCopies ? [liraCopies.query] : [])];
      references.push({ job: add(`reference model ${m + 1}/${config.shadows}`, job(config.target, dataset, trainOn, seedOf(SLOT.reference, m), predict)), included });
    }
  }

  const total = planned.length + targets.reduce((n, t) => n + (t.plan?.laterJobs ?? 0), 0);
  let done = 0;
  const progress = (detail: string) => options.onProgress?.({ done, total, detail });
  const trainingStarted = performance.now();
  const runPhase = async (phase: readonly PlannedJob[], onResult?: (index: number, result: TrainingResult) => void): Promise<TrainingResult[]> => {
    signal?.throwIfAborted();
    const results = await runJobs(
      phase.map((p) => p.job),
      {
        onEpoch: (i, info) => progress(`${phase[i]!.label} epoch ${info.epoch}/${info.epochs}`),
        onResult: (i, result) => {
          done++;
          progress(`${phase[i]!.label} trained`);
          onResult?.(i, result);
        },
        ...(signal ? { signal } : {}),
      },
    );
    timings.training = (performance.now() - trainingStarted) / 1000;
    return results;
  };
  progress(`training ${total} models`);
  // The attacker's models go first: every defence's attacks need them, each target only its own.
  // (A pool starts the longest jobs first; among equals, this order.)
  const sharedJobs = [shadowJob, transfer?.job, ...shokri.map((s) => s.job), ...combined, ...references.map((r) => r.job)].filter((j): j is number => j !== undefined);
  const order = [...sharedJobs, ...[...planned.keys()].filter((j) => !sharedJobs.includes(j))];
  const results: TrainingResult[] = new Array(planned.length);
  const arrived = planned.map(() => settlement<TrainingResult>());
  const phase1 = runPhase(
    order.map((j) => planned[j]!),
    (k, result) => arrived[order[k]!]!.resolve((results[order[k]!] = result)),
  );
  phase1.catch((error: unknown) => arrived.forEach((a) => a.reject(error)));
  // Trained in this thread, nothing else can run meanwhile: the attacks start after the training.
  const mayStart = inThread ? phase1.then(() => undefined) : Promise.resolve();
  const resultsOf = (jobs: readonly number[]) => Promise.all(jobs.map((j) => arrived[j]!.promise));
  // The work this thread does once a defence's models are in (its finish, its attacks), one piece at a time.
  const serially = queueSerially();
  const attackModels = sharedAttackModels(attackModelTrainer(config));

  // Phase 2: what the defences train on their first models' answers (stacking's meta model).
  const defended: Promise<DefendedTarget>[] = targets.map(async (t) => {
    if (!t.plan) {
      const [result] = await resultsOf([t.first]);
      return { answers: result!.posteriors, kind: config.target, weightsSha256: result!.weightsSha256 };
    }
    const own = await resultsOf([...Array(t.plan.jobs.length).keys()].map((i) => t.first + i));
    await mayStart;
    return serially(() => t.plan!.finish(own, async (label, j) => (await runPhase([{ label, job: j }]))[0]!));
  });
  // Each is awaited below; a failure ends the audit through the first await that meets it.
  defended.forEach((d) => d.catch(() => {}));

  const answersOf = (result: TrainingResult, members: LabeledData, nonMembers: LabeledData): AttackInputData => ({
    members: result.posteriors[0]!,
    nonMembers: result.posteriors[1]!,
    membersLabels: members.labels,
    nonMembersLabels: nonMembers.labels,
  });
  await resultsOf(sharedJobs);
  const shadow = shadowJob !== undefined ? answersOf(results[shadowJob]!, split.shadowTrain, split.shadowOut) : undefined;
  const transferShadow = transfer ? answersOf(results[transfer.job]!, transfer.members, transfer.nonMembers) : undefined;
  const shokriShadows = shokri.length > 0 ? pool(shokri.map((s) => answersOf(results[s.job]!, s.members, s.nonMembers))) : undefined;
  const combinedShadows = combined.length > 0 ? pool(combined.map((j) => answersOf(results[j]!, split.shadowTrain, split.shadowOut))) : undefined;
  const referenceModels: ReferenceModels | undefined =
    references.length > 0
      ? {
          onTarget: references.map((r) => concatPosteriors([results[r.job]!.posteriors[0]!, results[r.job]!.posteriors[1]!])),
          included: references.map((r) => r.included),
          population: { target: { values: new Float32Array(0), rows: 0, classes: dataset.numClasses }, references: references.map((r) => results[r.job]!.posteriors[2]!), labels: populationData.labels },
          ...(liraCopies ? { augmented: { ...liraCopies.summary, target: { values: new Float32Array(0), rows: 0, classes: dataset.numClasses }, references: references.map((r) => results[r.job]!.posteriors[3]!) } } : {}),
        }
      : undefined;

  // label-only-boundary asks the target for labels while it searches: the target trained above,
  // rebuilt in this thread from its weights (same engine, same answers), through the defence's
  // release. A defence that trains a target of its own is skipped with a note.
  let boundaryModel: Classifier | undefined;
  // By defence index: defences are attacked in the order their targets arrive, the notes keep the defences' order.
  const boundaryNotes: string[] = [];
  const boundaryOracle = async (d: number): Promise<BoundaryQueries | undefined> => {
    const { defence: chosen, plan } = targets[d]!;
    if (!config.attacks.includes("label-only-boundary")) return undefined;
    if (plan || plainTarget === undefined) {
      boundaryNotes[d] = `label-only-boundary skipped for ${chosen.label(settings)}: the defence trains its own target, which this audit does not keep as a model to query`;
      return undefined;
    }
    if (!boundaryModel) {
      const job = planned[plainTarget]!.job;
      const result = results[plainTarget]!;
      // A queue's workers send back answers and the weights' hash, not the weights: train the same
      // job again here (seeded, so the same weights, checked by their hash).
      const weights = result.weights.length > 0 ? result.weights : (await runTrainingJob({ ...job, predict: [] }, signal ? { signal } : {})).weights;
      boundaryModel = await classifierWithWeights(job.kind, job.spec, weights);
      const sha = await boundaryModel.weightsSha256();
      if (sha !== result.weightsSha256) throw new Error(`label-only-boundary: the target rebuilt for label queries has weights ${sha}, the trained target ${result.weightsSha256}`);
    }
    const model = boundaryModel;
    return {
      async predictLabels(features, rows) {
        signal?.throwIfAborted();
        const p = await model.predict(features, rows);
        return predictedLabels(chosen.answer ? chosen.answer(p, settings) : p);
      },
      members: split.targetTrain.features,
      nonMembers: split.targetOut.features,
      width,
      maxQueries: config.maxQueries ?? DEFAULT_MAX_QUERIES,
      batchSize: BOUNDARY_BATCH,
    };
  };

  const attackSettings: AttackSettings = { ...config, shadowDatasetName: shadowDataset?.name };
  // One defence's attacks; its callbacks' data is handed back so that they are called in defence order.
  const attackDefence = async (d: number, defence: DefenceName, defendedTarget: DefendedTarget) => {
    const { defence: chosen } = targets[d]!;
    const { kind, weightsSha256, privacy } = defendedTarget;
    // The defence's release: what every attack (and the accuracy) sees.
    const answers = chosen.answer ? defendedTarget.answers.map((p) => chosen.answer!(p, settings)) : defendedTarget.answers;
    const target: AttackInputData = { members: answers[0]!, nonMembers: answers[1]!, membersLabels: split.targetTrain.labels, nonMembersLabels: split.targetOut.labels };
    const noiseAnswers = noiseQuery >= 0 ? answers[noiseQuery]! : undefined;
    const refs = referenceModels
      ? { ...referenceModels, population: { ...referenceModels.population!, target: answers[populationQuery]! }, ...(referenceModels.augmented ? { augmented: { ...referenceModels.augmented, target: answers[liraQuery]! } } : {}) }
      : undefined;
    const signals = refs && options.onSignals ? auditSignals(target, refs) : undefined;
    const populationAnswers = populationQuery >= 0 ? { target: answers[populationQuery]!, labels: populationData.labels, features: populationData.features } : undefined;
    const boundary = await boundaryOracle(d);
    const { plan } = planAttacks([...config.adversaries.map((a) => `adversary-${a}`), ...config.attacks], attackSettings, {
      ...(shadow ? { shadow } : {}),
      ...(shokriShadows ? { shokriShadows } : {}),
      ...(combinedShadows ? { combinedShadows } : {}),
      ...(transferShadow ? { transferShadow } : {}),
      ...(noiseAnswers ? { noise: noiseAnswers } : {}),
      ...(refs ? { references: refs } : {}),
      ...(augmentQueries ? { augmented: { members: answers[augmentQueries[0]!]!, nonMembers: answers[augmentQueries[1]!]!, copies: DEFAULT_AUGMENTATIONS } } : {}),
      ...(populationAnswers ? { population: populationAnswers, candidateFeatures: { members: split.targetTrain.features, nonMembers: split.targetOut.features, width } } : {}),
      ...(boundary ? { boundary } : {}),
      trainAttackModel: attackModels.train,
    });
    const attacks: AttackResult[] = [];
    const scored: PerRecordRun["attacks"][number][] = [];
    for (const [i, { strategy, context }] of plan.entries()) {
      signal?.throwIfAborted();
      progress(`attack ${strategy.name} (${defence})`);
      const t0 = performance.now();
      let scores: AttackScores | undefined;
      const result = await runAttack(strategy, target, { seed: seedOf(SLOT.attack, i), ...context, statistics: config.statistics }, options.onPerRecord && ((s) => (scores = s)));
      attacks.push(result);
      if (scores) scored.push({ name: result.name, auc: result.metrics.auc, scores });
      lap("attacks", t0);
    }
    const { confidence, delta } = config.statistics;
    const oneRun = canaries ? await auditCanaries(plan, attacks, answers[canaryQuery]!, canaries, { seed: seedOf(SLOT.canaries, d), statistics: config.statistics }, delta, confidence) : undefined;
    const run: AuditRun = {
      defence: chosen.label(settings),
      target: { kind, ...targetAccuracy(target.members, target.membersLabels!, target.nonMembers, target.nonMembersLabels!), weightsSha256 },
      attacks,
      ...(privacy ? { privacy } : {}),
      ...(oneRun ? { oneRun } : {}),
    };
    return { run, signals, perRecord: { defence: chosen.label(settings), target, attacks: scored } satisfies PerRecordRun };
  };
  // Each defence is attacked as soon as its target is in (the attacker's models are already);
  // the attack models trained on the shadows' answers are the same for every defence: trained once.
  let attacked;
  try {
    const pending = config.defences.map(async (defence, d) => {
      const defendedTarget = await defended[d]!;
      await mayStart;
      return serially(() => attackDefence(d, defence, defendedTarget));
    });
    pending.forEach((p) => p.catch(() => {}));
    attacked = await Promise.all(pending);
    await phase1;
  } finally {
    attackModels.dispose();
    boundaryModel?.dispose();
  }
  const runs: AuditRun[] = [];
  for (const [d, { run, signals, perRecord }] of attacked.entries()) {
    if (signals) options.onSignals?.(signals, config.defences[d]!);
    options.onPerRecord?.(perRecord);
    runs.push(run);
  }
  timings.total = (performance.now() - started) / 1000;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    mode: "audit",
    seed: config.seed,
    config: Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)),
    dataset: summarize(dataset, config.partSize),
    ...(config.adversaries.includes(2) ? { shadowDataset: summarize(shadowDataset!, config.shadowPartSize!) } : {}),
    runs,
    // Without a note, adversary 3's noise is the paper's rule (no data).
    notes: [
      ...(config.adversaries.includes(3) && config.noise
        ? [`adversary 3's threshold: the top ${config.topPercentile}% of ${config.noiseQueries} noise queries drawn ${config.noise === "marginal" ? "from each feature's values" : "uniformly in each feature's range"} in the shadow parts (data the attacker holds), not the paper's data-free rule`]
        : []),
      ...boundaryNotes.filter((note) => note !== undefined),
    ],
    timings,
  };
}

/** The attack MLP (one 64-unit hidden layer, softmax over member/non-member), seeded, in this thread. */
export function attackModelTrainer(config: Pick<AuditConfig, "engine" | "attackEpochs" | "batchSize" | "learningRate" | "l2">): AttackModelTrainer {
  return async (features, rows, width, isMember, seed): Promise<AttackModel> => {
    const model = await createClassifier("attack-mlp", { inputShape: [width], numClasses: 2, engine: engineFor("attack-mlp", config.engine) });
    await model.fit(
      { features: features.subarray(0, rows * width), recordShape: [width], labels: Int32Array.from(isMember), numClasses: 2 },
      { seed, epochs: config.attackEpochs, batchSize: config.batchSize, learningRate: config.learningRate, l2: config.l2 },
    );
    return {
      async predictMember(x, n) {
        if (n === 0) return new Float64Array(0);
        const p = await model.predict(x, n);
        return Float64Array.from({ length: n }, (_, i) => p.values[i * 2 + 1]!);
      },
      dispose: () => model.dispose(),
    };
  };
}

/** A promise with its resolve and reject at hand; a rejection nobody awaits is not reported. */
function settlement<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** Runs the tasks it is given one at a time, in the order given (a failed one does not stop the next). */
function queueSerially(): <T>(task: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const next = last.then(task, task);
    last = next.catch(() => {});
    return next;
  };
}

/**
 * An attack-model trainer that trains each distinct model once: the same rows, labels, width and
 * seed give the same model (training is deterministic), so a second request (the next defence's
 * attack on the same shadows) gets the first model. dispose() ends them all; the models it hands
 * out ignore their own dispose().
 */
export function sharedAttackModels(train: AttackModelTrainer): { train: AttackModelTrainer; dispose(): void } {
  const trained: { features: Float32Array; isMember: Uint8Array; width: number; seed: number; model: Promise<AttackModel> }[] = [];
  const bytes = (v: Float32Array | Uint8Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
  return {
    train(features, rows, width, isMember, seed) {
      const x = features.subarray(0, rows * width);
      const y = isMember.subarray(0, rows);
      let entry = trained.find((t) => t.seed === seed && t.width === width && same(bytes(t.features), bytes(x)) && same(t.isMember, y));
      if (!entry) {
        entry = { features: x.slice(), isMember: y.slice(), width, seed, model: train(x, rows, width, y, seed) };
        trained.push(entry);
      }
      return entry.model.then((model) => ({ predictMember: (q, n) => model.predictMember(q, n), dispose: () => {} }));
    },
    dispose() {
      for (const t of trained.splice(0)) t.model.then((m) => m.dispose(), () => {});
    },
  };
}
