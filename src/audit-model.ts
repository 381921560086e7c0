// auditModel(): the audit of a model trained elsewhere (ONNX, tfjs, an endpoint, or any
// PosteriorModel) on the user's own records. The target is only queried: on its members, its
// non-members, random noise (adversary 3) and the attacker's population. The attacker's models
// (adversary 1's shadow, Shokri's shadows, LiRA/RMIA's reference models) train on the population;
// adversary 2's shadow on a bundled dataset. No runtime API: models train through `runJobs`.
import { DEFAULT_TOP_PERCENTILE } from "./attacks/metric.js";
import { noiseRecords, type NoiseFeatureKind } from "./attacks/noise.js";
import { planAttacks, resolveAttackOptions, type AttackOptions, type AttackResources } from "./attacks/registry.js";
import { runAttack } from "./attacks/run.js";
import { augmentedRecords, DEFAULT_AUGMENTATIONS, DEFAULT_FLIP_RATE } from "./attacks/label-only.js";
import { DEFAULT_MAX_QUERIES, predictedLabels, type BoundaryQueries } from "./attacks/boundary.js";
import { auditSignals, type AuditSignals } from "./attacks/signals.js";
import type { AttackInputData, AttackResult, AttackScores, ReferenceModels, StatisticsOptions } from "./attacks/types.js";
import type { PerRecordRun } from "./metrics/per-record.js";
import {
  attackModelTrainer,
  AUDIT_DEFAULTS,
  concatPosteriors,
  defaultModel,
  DEFAULT_MODEL_ATTACKS,
  EXTRA_ATTACKS,
  pool,
  seedsFor,
  SLOT,
  trainingJob,
  type Adversary,
  type AuditProgress,
  type EngineChoice,
  type ExtraAttack,
  type JobRunner,
  type Query,
  liraAugmentedQueries,
  wantsPopulationAnswers,
  wantsReferenceModels,
} from "./audit.js";
import { mlLeaksSplit, subsetDataset, type Dataset } from "./datasets/index.js";
import { initKernels, Pcg32 } from "./kernels/index.js";
import { targetAccuracy } from "./metrics/accuracy.js";
import { trainSequentially, type TrainingJob, type TrainingResult } from "./models/parallel.js";
import type { ModelKind } from "./models/types.js";
import { resolveStatistics } from "./metrics/evaluate.js";
import { REPORT_SCHEMA_VERSION, type AuditReport, type TargetSummary } from "./report/types.js";
import type { TargetModel } from "./targets/types.js";
import type { LabeledData, PosteriorModel, Posteriors } from "./types.js";
import { concatArrays } from "./util/concat.js";

export interface ModelAuditOptions {
  /** Called with every attack's per-record scores (for perRecordTable / --per-record). */
  readonly onPerRecord?: (run: PerRecordRun) => void;
  /** The model to audit: a TargetModel (src/targets/) or any PosteriorModel. */
  readonly target: PosteriorModel | TargetModel;
  /** Records the target trained on, and records it never saw, with their true labels. */
  readonly members: LabeledData;
  readonly nonMembers: LabeledData;
  /** The attacker's own data from the same distribution; without it no shadow or reference model trains. */
  readonly population?: LabeledData;
  /** Adversary 2's shadow data: a dataset of another distribution. */
  readonly shadowDataset?: Dataset;
  readonly seed: number;
  /** Default 1 and 3, plus 2 with a shadowDataset. */
  readonly adversaries?: readonly Adversary[];
  /** Default: all of them but label-only-boundary (DEFAULT_MODEL_ATTACKS). */
  readonly attacks?: readonly ExtraAttack[];
  /** Shadow architecture; default the project's for the data (cnn for images of 16x16 or more, mlp otherwise). */
  readonly shadowModel?: ModelKind;
  /** Architectures pooled by the combined attack; default mlp and logreg (and cnn for images). */
  readonly combinedModels?: readonly ModelKind[];
  /** Records in each part of the shadow dataset's split (adversary 2); default a quarter of it. */
  readonly shadowPartSize?: number;
  readonly epochs?: number;
  readonly attackEpochs?: number;
  readonly topK?: number;
  /** Shokri's shadow models, and LiRA's/RMIA's reference models. */
  readonly shadows?: number;
  readonly noiseQueries?: number;
  /** Adversary 3's noise; default inferred from the records (0/1: binary, within [0, 1]: pixels, else standardized). */
  readonly noiseKind?: NoiseFeatureKind;
  readonly topPercentile?: number;
  /** Confidence intervals, epsilon bounds and the verdict's settings, as in audit(). */
  readonly statistics?: StatisticsOptions;
  readonly engine?: EngineChoice;
  /** Records per call to the target (progress is reported between calls); default 500. */
  readonly queryBatchSize?: number;
  readonly runJobs?: JobRunner;
  readonly onProgress?: (progress: AuditProgress) => void;
  readonly signal?: AbortSignal;
  /** The quantile attack's, attack-P/R's and RMIA's parameters. */
  readonly attackOptions?: AttackOptions;
  /** Receives what LiRA and RMIA consume (for --save-signals), when reference models trained. */
  readonly onSignals?: (signals: AuditSignals) => void;
}

export const MODEL_AUDIT_QUERY_BATCH = 500;

const rowsOf = (d: LabeledData) => d.labels.length;
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const isTargetModel = (m: PosteriorModel | TargetModel): m is TargetModel => typeof (m as TargetModel).source === "string";

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(message);
}

/** Adversary 3's noise kind from the records themselves. */
export function inferNoiseKind(...parts: readonly LabeledData[]): NoiseFeatureKind {
  let binary = true;
  for (const part of parts) {
    for (const v of part.features) {
      if (v !== 0 && v !== 1) binary = false;
      if (!(v >= 0 && v <= 1)) return "standardized";
    }
  }
  return binary ? "binary" : "pixels";
}

/** The records' shape must fit the model's input (element counts decide; the error names both). */
function checkShapes(target: PosteriorModel | TargetModel, parts: readonly (readonly [string, LabeledData])[]): void {
  const [, first] = parts[0]!;
  for (const [name, part] of parts) {
    check(part.features.length === rowsOf(part) * sizeOf(part.recordShape), `${name}: ${part.features.length} feature values for ${rowsOf(part)} records of shape ${JSON.stringify(part.recordShape)}`);
    check(sizeOf(part.recordShape) === sizeOf(first.recordShape), `${name}: records of shape ${JSON.stringify(part.recordShape)}, but members have ${JSON.stringify(first.recordShape)}`);
    for (let i = 0; i < part.labels.length; i++) {
      const y = part.labels[i]!;
      check(Number.isInteger(y) && y >= 0 && y < target.numClasses, `${name}: label of record ${i} is ${y}; the model has ${target.numClasses} classes (0 to ${target.numClasses - 1})`);
    }
  }
  const input = isTargetModel(target) ? target.inputShape : undefined;
  if (input && input.every((d) => Number.isInteger(d) && d > 0) && sizeOf(input) !== sizeOf(first.recordShape)) {
    throw new RangeError(
      `the records have shape ${JSON.stringify(first.recordShape)} (${sizeOf(first.recordShape)} values) but ${(target as TargetModel).location} takes input of shape ${JSON.stringify(input)} (${sizeOf(input)} values) per record`,
    );
  }
}

/** Validated options with every default filled in: the report's config. */
export function resolveModelAuditConfig(options: ModelAuditOptions) {
  const { target, members, population, shadowDataset } = options;
  const adversaries = [...new Set(options.adversaries ?? (shadowDataset ? [1, 2, 3] : [1, 3]))].sort() as Adversary[];
  const attacks = [...new Set(options.attacks ?? DEFAULT_MODEL_ATTACKS)];
  for (const a of adversaries) check(a === 1 || a === 2 || a === 3, `adversaries: expected 1, 2 or 3, got ${String(a)}`);
  for (const a of attacks) check(EXTRA_ATTACKS.includes(a), `attacks: expected some of ${EXTRA_ATTACKS.join(", ")}, got '${String(a)}'`);
  check(Number.isSafeInteger(options.seed) && options.seed >= 0, `seed: expected an integer from 0 to 2^53-1, got ${options.seed}`);
  check(!adversaries.includes(2) || shadowDataset !== undefined, "adversary 2 needs a shadow dataset (shadowDataset / --shadow-dataset)");
  const transfer = adversaries.includes(2) && shadowDataset !== undefined;
  const topK = options.topK ?? Math.min(AUDIT_DEFAULTS.topK, target.numClasses, ...(transfer ? [shadowDataset!.numClasses] : []));
  const settings = {
    epochs: options.epochs ?? AUDIT_DEFAULTS.epochs,
    attackEpochs: options.attackEpochs ?? AUDIT_DEFAULTS.attackEpochs,
    shadows: options.shadows ?? AUDIT_DEFAULTS.shadows,
    noiseQueries: options.noiseQueries ?? AUDIT_DEFAULTS.noiseQueries,
    queryBatchSize: options.queryBatchSize ?? MODEL_AUDIT_QUERY_BATCH,
  };
  for (const [name, value] of Object.entries(settings)) check(Number.isInteger(value) && value >= 1, `${name}: expected a positive integer, got ${value}`);
  check(Number.isInteger(topK) && topK >= 1 && topK <= target.numClasses, `topK: expected 1 to the model's ${target.numClasses} classes, got ${topK}`);
  const topPercentile = options.topPercentile ?? DEFAULT_TOP_PERCENTILE;
  check(topPercentile > 0 && topPercentile < 100, `topPercentile: expected a number between 0 and 100 (exclusive), got ${topPercentile}`);
  // The attacker's architecture: the project's default for records of this shape.
  // The attacker's architecture: the target's own when it is a tfjs LayersModel (rebuilt with fresh
  // seeded weights), otherwise the project's default for records of this shape.
  const topology = isTargetModel(target) ? target.layersTopology : undefined;
  const ownDefault = defaultModel({ kind: members.recordShape.length === 3 ? "image" : "tabular", recordShape: members.recordShape });
  const shadowModel: ModelKind = options.shadowModel ?? (topology !== undefined ? "layers" : ownDefault);
  const image = ownDefault === "cnn";
  return {
    adversaries,
    attacks,
    shadowModel,
    shadowArchitecture: options.shadowModel
      ? `${shadowModel} (chosen)`
      : topology !== undefined
        ? "layers: the target's own tfjs topology, rebuilt with fresh seeded weights"
        : `${shadowModel} (mlleaks's default for records of shape ${JSON.stringify(members.recordShape)}; the target's architecture is unknown)`,
    shadowDataset: transfer ? shadowDataset!.name : undefined,
    shadowDatasetModel: transfer ? defaultModel(shadowDataset!) : undefined,
    shadowPartSize: transfer ? (options.shadowPartSize ?? Math.floor(rowsOf(shadowDataset!) / 4)) : undefined,
    combinedModels: [...(options.combinedModels ?? (image ? ["cnn", "mlp", "logreg"] : ["mlp", "logreg"]))] as ModelKind[],
    ...settings,
    topK,
    topPercentile,
    noiseKind: options.noiseKind ?? inferNoiseKind(members, options.nonMembers, ...(population ? [population] : [])),
    members: rowsOf(members),
    nonMembers: rowsOf(options.nonMembers),
    population: population ? rowsOf(population) : 0,
    recordShape: [...members.recordShape],
    classes: target.numClasses,
    seed: options.seed,
    statistics: resolveStatistics(options.statistics),
    ...resolveAttackOptions(options.attackOptions),
    engine: options.engine ?? "auto",
    batchSize: 100,
    learningRate: 0.001,
    l2: 1e-7,
  };
}

export type ModelAuditConfig = ReturnType<typeof resolveModelAuditConfig>;

/** The records of several parts, one after another, as one labelled set. */
function joined(name: string, parts: readonly LabeledData[]): LabeledData & { name: string } {
  return {
    name,
    features: concatArrays(parts.map((p) => p.features), (n) => new Float32Array(n)),
    recordShape: [...parts[0]!.recordShape],
    labels: concatArrays(parts.map((p) => p.labels), (n) => new Int32Array(n)),
    numClasses: parts[0]!.numClasses,
  };
}

export async function auditModel(options: ModelAuditOptions): Promise<AuditReport> {
  await initKernels();
  const { target, signal } = options;
  // An endpoint may learn its class count from its first answer: ask it one member first.
  if (!(target.numClasses >= 2) && options.members.labels.length > 0) await target.predict(options.members.features.subarray(0, sizeOf(options.members.recordShape)), 1);
  const members = { ...options.members, numClasses: target.numClasses };
  const nonMembers = { ...options.nonMembers, numClasses: target.numClasses };
  const population = options.population ? { ...options.population, name: "population", numClasses: target.numClasses } : undefined;
  checkShapes(target, [["members", members], ["non-members", nonMembers], ...(population ? [["population", population] as const] : [])]);
  const config = resolveModelAuditConfig(options);
  const runJobs: JobRunner = options.runJobs ?? ((jobs, hooks) => trainSequentially(jobs, hooks));
  const seedOf = seedsFor(config.seed);
  const timings: Record<string, number> = {};
  const started = performance.now();
  const notes: string[] = [];
  const wantsReferences = population !== undefined && wantsReferenceModels(config.attacks);
  const wantsPopulation = population !== undefined && wantsPopulationAnswers(config.attacks);
  if (!population) notes.push("no population data (the attacker's records from the same distribution): no shadow or reference model trained on it");

  // Phase 1: the attacker's models, each a plain-data job.
  const planned: { label: string; job: TrainingJob }[] = [];
  const add = (label: string, job: TrainingJob) => planned.push({ label, job }) - 1;
  const queriesOf = (...parts: LabeledData[]): Query[] => parts.map((d) => ({ features: d.features, rows: rowsOf(d) }));
  const topology = isTargetModel(target) ? target.layersTopology : undefined;
  const job = (kind: ModelKind, shapeOf: LabeledData, train: LabeledData, seed: number, predict: readonly Query[]): TrainingJob => {
    const j = trainingJob(config, kind, shapeOf, train, seed, predict);
    return kind === "layers" ? { ...j, spec: { ...j.spec, topology } } : j;
  };
  let halves: { members: LabeledData; nonMembers: LabeledData } | undefined;
  let shadowJob: number | undefined;
  const shokri: { job: number; members: LabeledData; nonMembers: LabeledData }[] = [];
  const combined: number[] = [];
  if (population) {
    // Population records in a seeded order (a file sorted by label must not give a one-class shadow).
    const order = new Pcg32(seedOf(SLOT.shadow), 1).permutation(rowsOf(population));
    const half = Math.floor(order.length / 2);
    halves = { members: subsetDataset(population, order.slice(0, half), "shadow-in"), nonMembers: subsetDataset(population, order.slice(half, 2 * half), "shadow-out") };
    const wantsShadow = config.adversaries.includes(1) || config.attacks.includes("loss") || config.attacks.includes("modified-entropy");
    if (wantsShadow) shadowJob = add(`shadow ${config.shadowModel}`, job(config.shadowModel, members, halves.members, seedOf(SLOT.shadow), queriesOf(halves.members, halves.nonMembers)));
    if (config.attacks.includes("shokri")) {
      for (let s = 0; s < config.shadows; s++) {
        const shuffled = new Pcg32(seedOf(SLOT.shokri, s), 1).permutation(rowsOf(population));
        const m = subsetDataset(population, shuffled.slice(0, half).sort(), `shokri-${s}-in`);
        const n = subsetDataset(population, shuffled.slice(half, 2 * half).sort(), `shokri-${s}-out`);
        shokri.push({ job: add(`Shokri shadow ${s + 1}/${config.shadows}`, job(config.shadowModel, members, m, seedOf(SLOT.shokri, s), queriesOf(m, n))), members: m, nonMembers: n });
      }
    }
    if (config.attacks.includes("combined")) {
      config.combinedModels.forEach((kind, i) => combined.push(add(`combined shadow ${kind}`, job(kind, members, halves!.members, seedOf(SLOT.combined, i), queriesOf(halves!.members, halves!.nonMembers)))));
    }
  }
  let transfer: { job: number; members: Dataset; nonMembers: Dataset } | undefined;
  if (config.shadowDataset) {
    const other = mlLeaksSplit(options.shadowDataset!, { seed: config.seed, partSize: config.shadowPartSize! });
    const j = add(`shadow ${config.shadowDatasetModel} on ${config.shadowDataset}`, job(config.shadowDatasetModel!, other.shadowTrain, other.shadowTrain, seedOf(SLOT.transfer), queriesOf(other.shadowTrain, other.shadowOut)));
    transfer = { job: j, members: other.shadowTrain, nonMembers: other.shadowOut };
  }
  // LiRA/RMIA reference models: each on a random half of members + non-members + population, so
  // every candidate is IN for about half of them; the population doubles as RMIA's.
  const references: { job: number; included: Uint8Array }[] = [];
  const liraCopies = liraAugmentedQueries(config, members.recordShape, [members, nonMembers], seedOf(SLOT.augment, 2));
  if (wantsReferences) {
    const candidates = rowsOf(members) + rowsOf(nonMembers);
    const everything = joined("candidates+population", [members, nonMembers, population!]);
    for (let m = 0; m < config.shadows; m++) {
      const order = new Pcg32(seedOf(SLOT.reference, m), 1).permutation(rowsOf(everything));
      const chosen = order.slice(0, Math.floor(order.length / 2)).sort();
      const included = new Uint8Array(candidates);
      for (const record of chosen) if (record < candidates) included[record] = 1;
      const trainOn = subsetDataset(everything, chosen, `reference-${m}`);
      references.push({ job: add(`reference model ${m + 1}/${config.shadows}`, job(config.shadowModel, members, trainOn, seedOf(SLOT.reference, m), [...queriesOf(members, nonMembers, population!), ...(liraCopies ? [liraCopies.query] : [])])), included });
    }
  }

  let done = 0;
  const total = planned.length;
  const progress = (detail: string) => options.onProgress?.({ done, total, detail });

  // The target's answers: members, non-members, then noise and population when needed.
  const t0 = performance.now();
  const width = sizeOf(members.recordShape);
  const noise = config.adversaries.includes(3) ? noiseRecords(config.noiseKind, width, config.noiseQueries, new Pcg32(seedOf(SLOT.noise), 1)) : undefined;
  const asked: [string, Float32Array][] = [
    ["members", members.features],
    ["non-members", nonMembers.features],
    ...(noise ? [["noise", noise] as [string, Float32Array]] : []),
    ...(wantsPopulation ? [["population", population!.features] as [string, Float32Array]] : []),
    ...(config.attacks.includes("label-only-augmentation")
      ? [members, nonMembers].map((d, i) => [`perturbed ${i === 0 ? "members" : "non-members"}`, augmentedRecords(d.features, d.recordShape, DEFAULT_AUGMENTATIONS, DEFAULT_FLIP_RATE, seedOf(SLOT.augment, i))] as [string, Float32Array])
      : []),
    ...(wantsReferences && liraCopies ? [["augmented copies", liraCopies.query.features] as [string, Float32Array]] : []),
  ];
  const allRows = asked.reduce((n, [, f]) => n + f.length / width, 0);
  let answered = 0;
  const recordsAsked = allRows;
  const answers = new Map<string, Posteriors>();
  for (const [name, features] of asked) {
    const rows = features.length / width;
    const parts: Posteriors[] = [];
    for (let start = 0; start < rows; start += config.queryBatchSize) {
      signal?.throwIfAborted();
      const n = Math.min(config.queryBatchSize, rows - start);
      const p = await target.predict(features.subarray(start * width, (start + n) * width), n);
      if (p.rows !== n || p.classes !== target.numClasses) throw new Error(`the target answered ${p.rows} x ${p.classes} posteriors for ${n} ${name} records; expected ${n} x ${target.numClasses}`);
      parts.push(p);
      answered += n;
      progress(`querying the target: ${answered}/${allRows} records (${name})`);
    }
    answers.set(name, concatPosteriors(parts));
  }
  timings.queries = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  progress(`training ${total} models`);
  const results: TrainingResult[] =
    planned.length === 0
      ? []
      : await runJobs(
          planned.map((p) => p.job),
          {
            onEpoch: (i, info) => progress(`${planned[i]!.label} epoch ${info.epoch}/${info.epochs}`),
            onResult: (i) => {
              done++;
              progress(`${planned[i]!.label} trained`);
            },
            ...(signal ? { signal } : {}),
          },
        );
  timings.training = (performance.now() - t1) / 1000;

  const answersOf = (result: TrainingResult, m: LabeledData, n: LabeledData): AttackInputData => ({
    members: result.posteriors[0]!,
    nonMembers: result.posteriors[1]!,
    membersLabels: m.labels,
    nonMembersLabels: n.labels,
  });
  // The boundary search's label queries, asked while it runs (an endpoint's budget still applies).
  let boundaryQueries = 0;
  const boundary: BoundaryQueries | undefined = config.attacks.includes("label-only-boundary")
    ? {
        async predictLabels(features, rows) {
          signal?.throwIfAborted();
          const p = await target.predict(features, rows);
          if (p.rows !== rows || p.classes !== target.numClasses) throw new Error(`the target answered ${p.rows} x ${p.classes} posteriors for ${rows} boundary-search records; expected ${rows} x ${target.numClasses}`);
          boundaryQueries += rows;
          return predictedLabels(p);
        },
        members: members.features,
        nonMembers: nonMembers.features,
        width,
        maxQueries: config.maxQueries ?? DEFAULT_MAX_QUERIES,
        batchSize: config.queryBatchSize,
      }
    : undefined;
  const targetInput: AttackInputData = { members: answers.get("members")!, nonMembers: answers.get("non-members")!, membersLabels: members.labels, nonMembersLabels: nonMembers.labels };
  const referenceModels: ReferenceModels | undefined =
    references.length > 0
      ? {
          onTarget: references.map((r) => concatPosteriors([results[r.job]!.posteriors[0]!, results[r.job]!.posteriors[1]!])),
          included: references.map((r) => r.included),
          population: { target: answers.get("population")!, references: references.map((r) => results[r.job]!.posteriors[2]!), labels: population!.labels },
          ...(liraCopies ? { augmented: { ...liraCopies.summary, target: answers.get("augmented copies")!, references: references.map((r) => results[r.job]!.posteriors[3]!) } } : {}),
        }
      : undefined;
  const resources: AttackResources = {
    ...(shadowJob !== undefined ? { shadow: answersOf(results[shadowJob]!, halves!.members, halves!.nonMembers) } : {}),
    ...(shokri.length > 0 ? { shokriShadows: pool(shokri.map((s) => answersOf(results[s.job]!, s.members, s.nonMembers))) } : {}),
    ...(combined.length > 0 ? { combinedShadows: pool(combined.map((j) => answersOf(results[j]!, halves!.members, halves!.nonMembers))) } : {}),
    ...(transfer ? { transferShadow: answersOf(results[transfer.job]!, transfer.members, transfer.nonMembers) } : {}),
    ...(answers.has("noise") ? { noise: answers.get("noise")! } : {}),
    ...(referenceModels ? { references: referenceModels } : {}),
    ...(wantsPopulation
      ? {
          population: { target: answers.get("population")!, labels: population!.labels, features: population!.features },
          candidateFeatures: { members: members.features, nonMembers: nonMembers.features, width },
        }
      : {}),
    ...(answers.has("perturbed members") ? { augmented: { members: answers.get("perturbed members")!, nonMembers: answers.get("perturbed non-members")!, copies: DEFAULT_AUGMENTATIONS } } : {}),
    ...(boundary ? { boundary } : {}),
    trainAttackModel: attackModelTrainer(config),
  };
  if (referenceModels) options.onSignals?.(auditSignals(targetInput, referenceModels));
  const selectors = [...config.adversaries.map((a) => `adversary-${a}`), ...config.attacks];
  const settings = { ...config, shadowDatasetName: config.shadowDataset };
  const { plan, skipped } = planAttacks(selectors, settings, resources);
  notes.push(...skipped);
  const t2 = performance.now();
  const attacks: AttackResult[] = [];
  const scored: PerRecordRun["attacks"][number][] = [];
  for (const [i, { strategy, context }] of plan.entries()) {
    signal?.throwIfAborted();
    progress(`attack ${strategy.name}`);
    let scores: AttackScores | undefined;
    const result = await runAttack(strategy, targetInput, { seed: seedOf(SLOT.attack, i), ...context, statistics: config.statistics }, options.onPerRecord && ((s) => (scores = s)));
    attacks.push(result);
    if (scores) scored.push({ name: result.name, auc: result.metrics.auc, scores });
  }
  options.onPerRecord?.({ defence: "none", target: targetInput, attacks: scored });
  timings.attacks = (performance.now() - t2) / 1000;
  timings.total = (performance.now() - started) / 1000;

  const summary: TargetSummary = {
    kind: target.kind,
    ...(isTargetModel(target) ? { source: target.source, location: target.location, outputKind: target.outputKind } : {}),
    // Records this audit asked (an endpoint's cache may spare some requests; the count stays the same).
    queries: recordsAsked + boundaryQueries,
    ...targetAccuracy(targetInput.members, members.labels, targetInput.nonMembers, nonMembers.labels),
  };
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    mode: "model",
    seed: config.seed,
    config: Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)),
    ...(options.shadowDataset && config.shadowDataset ? { shadowDataset: { name: options.shadowDataset.name, classes: options.shadowDataset.numClasses, partSize: config.shadowPartSize! } } : {}),
    runs: [{ defence: "none", target: summary, attacks }],
    notes,
    timings,
  };
}
