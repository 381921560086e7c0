// `mlleaks audit`: the user's own model (--model, with members, non-members and population files),
// or the ML-Leaks evaluation on a dataset (--dataset, a bundled name or the user's table): trains the
// attacker's shadow models (and, with --dataset, the target with each defence asked for), runs the
// attacks, writes report.json and report.html, prints the results table.
import { freemem } from "node:os";
import { resolve } from "node:path";
import { loadNamedDataset } from "../../adapters/node/datasets.js";
import { createQueueRunner, type QueueRunner } from "../../adapters/node/queue.js";
import { checkRedisUrl, readQueueCa, redactRedisUrl } from "../../adapters/node/redis.js";
import { nodeWorkers } from "../../adapters/node/workers.js";
import { estimateAuditMemory, formatBytes, parseByteSize, type AuditMemoryPlan } from "../../audit-memory.js";
import { DEFAULT_AUGMENTATIONS } from "../../attacks/label-only.js";
import { audit, AUDIT_DEFAULTS, DEFAULT_MODEL_ATTACKS, DEFENCES, EXTRA_ATTACKS, defaultModel, wantsReferenceModels, type Adversary, type Defence, type EngineChoice, type ExtraAttack, type JobRunner } from "../../audit.js";
import type { NoiseRule } from "../../attacks/noise.js";
import type { Dataset } from "../../datasets/index.js";
import { DP_SGD_DEFAULTS } from "../../defences/dp-sgd.js";
import { MEMGUARD_DEFAULTS } from "../../defences/memguard.js";
import { HAMP_DEFAULTS } from "../../defences/hamp.js";
import { EARLY_STOPPING_DEFAULTS } from "../../defences/early-stopping.js";
import { DEFENCE_REGISTRY, defenceNamed } from "../../defences/registry.js";
import { initModelBackend } from "../../models/backend.js";
import { TrainingPool } from "../../models/parallel.js";
import { MODEL_KINDS, type BuiltInModelKind, type ModelKind } from "../../models/types.js";
import { formatResultsTable } from "../../report/table.js";
import type { AuditReport } from "../../report/types.js";
import type { LabeledData } from "../../types.js";
import { UsageError, type CommandSpec, type OptionValues } from "../args.js";
import { createProgress } from "../progress.js";
import { STATISTICS_OPTIONS, statisticsFrom } from "../statistics-options.js";
import { ATTACK_OPTIONS, attackOptionsFrom, signalsCollector } from "../attack-options.js";
import { looksLikeRecordFile, readUserDataset, runModelAudit } from "./audit-model.js";
import { writeReports } from "../reports.js";
import { writePerRecord } from "../per-record.js";
import type { PerRecordRun } from "../../metrics/per-record.js";

const TARGET_KINDS = MODEL_KINDS.filter((k: ModelKind) => k !== "attack-mlp");

function positiveInteger(options: OptionValues, name: string): number | undefined {
  const value = options[name] as number | undefined;
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new UsageError(`mlleaks audit: --${name} expects a positive integer, got ${value}`);
  return value;
}

/** Bundled sets from the package; the others from where `mlleaks datasets fetch` put them. */
function load(name: string, dataDir: string | undefined): Promise<Dataset> {
  return loadNamedDataset(name, dataDir === undefined ? {} : { dataDir });
}

type Stderr = { isTTY: boolean; write(s: string): void };

/** A bundled or downloaded dataset by name, or the user's record file by path. */
function loadTarget(name: string, options: OptionValues, stderr: Stderr): Promise<Dataset> {
  return looksLikeRecordFile(name) ? readUserDataset(name, options, stderr) : load(name, options["data-dir"] as string | undefined);
}

/** The --queue runner; a malformed URL is a usage error, an unreachable server a failure. */
async function openQueue(url: string, caFile: string | undefined, stderr: { write(s: string): void }): Promise<QueueRunner> {
  let tls;
  try {
    checkRedisUrl(url, "--queue");
    tls = await readQueueCa(url, caFile);
  } catch (error) {
    throw new UsageError(`mlleaks audit: ${(error as Error).message}`);
  }
  return createQueueRunner(url, { ...(tls ? { tls } : {}), log: (message) => stderr.write(`mlleaks audit: ${message}\n`) });
}

export const auditCommand: CommandSpec = {
  name: "audit",
  summary: "audit your model (--model: ONNX, tfjs, mlleaks train, endpoint) on your records, or the ML-Leaks evaluation of a dataset",
  usage:
    "mlleaks audit --model M --members FILE --nonmembers FILE [--population FILE] [--label-column NAME] [options]\n" +
    `       mlleaks audit --dataset NAME|FILE [--label-column NAME] [--shadow-dataset NAME] [--adversary 1,2,3] [--defence ${DEFENCES.join(",")}] [--seed S] [--epochs E] [--out DIR] [--json] [--confidence C] [--delta D] [--balance]`,
  options: {
    model: { type: "string", valueName: "M", description: "the model to audit: an .onnx file, a tfjs model.json or its folder, a folder `mlleaks train` wrote, an http(s) URL to a model.json, or a model server URL .../v1/models/NAME or .../v2/models/NAME" },
    members: { type: "string", valueName: "FILE", description: "with --model: records the model trained on (CSV/TSV, JSON lines, Parquet, .npz with x and y, .npy)" },
    nonmembers: { type: "string", valueName: "FILE", description: "with --model: records of the same distribution the model never saw" },
    population: { type: "string", valueName: "FILE", description: "with --model: the attacker's own records of that distribution, for shadow and reference models (without it those attacks are skipped)" },
    "label-column": { type: "string", valueName: "NAME", description: "the label column of CSV/JSON/Parquet records (default: a column named label)" },
    "feature-columns": { type: "list", valueName: "LIST", description: "the feature columns, in the model's order (default: every column but the label)" },
    output: { type: "string", valueName: "KIND", choices: ["auto", "probabilities", "logits"], default: "auto", description: "with --model: what the model outputs (auto: rows summing to 1 are probabilities, else logits)" },
    "input-name": { type: "string", valueName: "N", description: "with --model: the model's input to feed, when it has several" },
    "output-name": { type: "string", valueName: "N", description: "with --model: the model's output holding the class scores, when it has several" },
    "batch-size": { type: "integer", valueName: "N", description: "with --model: records per model call or endpoint request" },
    "max-queries": { type: "integer", valueName: "N", description: "with an endpoint: most records ever sent (the query budget)" },
    "cache-dir": { type: "string", valueName: "DIR", description: "with an endpoint: cache answers here, so an interrupted audit resumes without re-querying" },
    dataset: { type: "string", valueName: "NAME", description: "the target's dataset: a name (digits, fashion-mnist, census, purchase, dna, mail, faces, ...) or your record file (./my.csv with --label-column)" },
    "shadow-dataset": { type: "string", valueName: "NAME", description: "adversary 2's shadow data: another bundled dataset (required with --adversary 2)" },
    adversary: { type: "list", valueName: "LIST", choices: ["1", "2", "3"], description: "adversaries to run (default 1,3; 1,2,3 with --shadow-dataset)" },
    attacks: {
      type: "list",
      valueName: "LIST",
      choices: [...EXTRA_ATTACKS, "none"],
      description: `further attacks: shokri (multi-shadow baseline), combined (shadows of several kinds), loss, modified-entropy, correctness (metric attacks), lira, lira-global, rmia, attack-r (reference models), quantile, attack-p (population, no shadows), label-only-augmentation, label-only-boundary (label queries to the target, see --boundary-queries; only when named); none for none (default: ${AUDIT_DEFAULTS.attacks.join(",")} with --dataset, all but label-only-boundary with --model)`,
    },
    defence: { type: "list", valueName: "LIST", choices: DEFENCES, default: ["none"], description: `targets to train and attack, one per defence: ${DEFENCE_REGISTRY.map((d) => `${d.name} (${d.summary})`).join("; ")}` },
    target: { type: "string", valueName: "KIND", choices: TARGET_KINDS, description: "target architecture (default cnn for images of 16x16 or more, mlp otherwise)" },
    seed: { type: "integer", valueName: "S", default: 0, description: "seed of the split, every model and every draw: the same seed gives the same report" },
    epochs: { type: "integer", valueName: "E", default: AUDIT_DEFAULTS.epochs, description: "training epochs of target and shadow models" },
    "attack-epochs": { type: "integer", valueName: "E", default: AUDIT_DEFAULTS.attackEpochs, description: "training epochs of the attack models" },
    "part-size": { type: "integer", valueName: "N", description: "records in each of the four parts (default: a quarter of the dataset)" },
    "shadow-part-size": { type: "integer", valueName: "N", description: "records in each part of the shadow dataset (default: a quarter of it)" },
    "top-k": { type: "integer", valueName: "K", description: `top posteriors the attack model sees (ablation; default ${AUDIT_DEFAULTS.topK}, or the smaller class count)` },
    shadows: { type: "integer", valueName: "N", default: AUDIT_DEFAULTS.shadows, description: "Shokri's shadow models (ablation)" },
    dropout: { type: "number", valueName: "RATE", default: AUDIT_DEFAULTS.dropout, description: "dropout rate of the dropout defence" },
    "clip-norm": { type: "number", valueName: "C", default: DP_SGD_DEFAULTS.clipNorm, description: "dp-sgd: per-example gradient clip norm" },
    "noise-multiplier": { type: "number", valueName: "S", default: DP_SGD_DEFAULTS.noiseMultiplier, description: "dp-sgd: noise standard deviation over the clip norm" },
    "target-epsilon": { type: "number", valueName: "E", description: "dp-sgd: pick the smallest noise multiplier whose epsilon at --dp-delta is at most E (overrides --noise-multiplier)" },
    "dp-delta": { type: "number", valueName: "D", default: DP_SGD_DEFAULTS.delta, description: "dp-sgd: the accountant's delta" },
    "l2-penalty": { type: "number", valueName: "L", default: AUDIT_DEFAULTS.l2Penalty, description: "l2: the defence's L2 penalty on the kernels" },
    "label-smoothing": { type: "number", valueName: "E", default: AUDIT_DEFAULTS.labelSmoothing, description: "label-smoothing: the targets' smoothing" },
    "relaxloss-alpha": { type: "number", valueName: "A", default: AUDIT_DEFAULTS.relaxLossAlpha, description: "relaxloss: the target loss level alpha (> 0)" },
    "adv-reg-lambda": { type: "number", valueName: "L", default: AUDIT_DEFAULTS.advRegLambda, description: "adversarial-regularization: weight of the inference model's gain in the classifier's loss (>= 0)" },
    "adv-reg-steps": { type: "integer", valueName: "K", default: AUDIT_DEFAULTS.advRegSteps, description: "adversarial-regularization: inference-model steps before each classifier step (>= 1)" },
    "memguard-budget": { type: "number", valueName: "B", default: MEMGUARD_DEFAULTS.budget, description: "memguard: expected L1 distortion of an answer (0 to 2)" },
    "hamp-gamma": { type: "number", valueName: "G", default: HAMP_DEFAULTS.gamma, description: "hamp: entropy threshold of the soft labels (0 to 1)" },
    "hamp-alpha": { type: "number", valueName: "A", default: HAMP_DEFAULTS.alpha, description: "hamp: weight of the output-entropy reward in the training loss (>= 0)" },
    patience: { type: "integer", valueName: "P", default: EARLY_STOPPING_DEFAULTS.patience, description: "early-stopping: epochs without a lower validation loss before stopping" },
    "output-top-k": { type: "integer", valueName: "K", default: AUDIT_DEFAULTS.outputTopK, description: "posteriors the output-top-k defence releases" },
    "output-decimals": { type: "integer", valueName: "D", default: AUDIT_DEFAULTS.outputDecimals, description: "decimals the output-rounding defence keeps" },
    "noise-queries": { type: "integer", valueName: "N", default: AUDIT_DEFAULTS.noiseQueries, description: "adversary 3's random noise queries" },
    noise: { type: "string", valueName: "RULE", choices: ["paper", "marginal", "uniform"], default: "paper", description: "adversary 3's noise: the paper's rule, or drawn from the shadow parts' per-feature values (marginal) or ranges (uniform)" },
    "top-percentile": { type: "number", valueName: "T", default: AUDIT_DEFAULTS.topPercentile, description: "adversary 3's threshold: top-T percentile of the noise queries' scores" },
    engine: { type: "string", valueName: "NAME", choices: ["auto", "tfjs", "fused"], default: "auto", description: "training engine: auto = fused AssemblyScript trainer for dense models, tfjs for the CNN" },
    workers: { type: "integer", valueName: "N", description: "train models in N worker threads (default: one per core; 1 trains in this thread)" },
    queue: { type: "string", valueName: "URL", description: "train models on `mlleaks worker` processes through Redis: redis://[:password@]host:port (rediss:// for TLS); results already there are reused" },
    "queue-ca": { type: "string", valueName: "FILE", description: "with --queue rediss://: the CA certificate(s), PEM, that signed the Redis server's certificate (or set NODE_EXTRA_CA_CERTS)" },
    "data-dir": { type: "string", valueName: "DIR", description: "where `mlleaks datasets fetch` put downloaded datasets (default: $MLLEAKS_DATA_DIR or ~/.cache/mlleaks/datasets); bundled sets load from the package" },
    out: { type: "string", valueName: "DIR", default: "mlleaks-report", description: "where report.json and report.html go" },
    canaries: { type: "integer", valueName: "M", description: "one-run audit (Steinke, Nasr, Jagielski 2023): M canaries (shadow-part records, labels flipped), each trained on with probability 1/2; its epsilon goes in the verdict" },
    "per-record": { type: "string", valueName: "FILE", description: "write every target record's score, membership, class, loss and rank per attack (CSV, or Parquet when FILE ends in .parquet); the report lists the most exposed records" },
    json: { type: "boolean", description: "print report.json on stdout instead of the table" },
    "max-memory": { type: "string", valueName: "SIZE", description: "with --dataset: refuse a run whose estimated peak memory is over SIZE (4G, 512M; default: the machine's available memory)" },
    "ignore-memory-estimate": { type: "boolean", description: "run even when the estimated peak memory is over the limit" },
    ...STATISTICS_OPTIONS,
    ...ATTACK_OPTIONS,
  },
  async run(options) {
    for (const name of ["epochs", "attack-epochs", "part-size", "shadow-part-size", "top-k", "shadows", "noise-queries", "workers", "canaries"]) positiveInteger(options, name);
    const dropout = options.dropout as number;
    if (!(dropout > 0 && dropout < 1)) throw new UsageError(`mlleaks audit: --dropout expects a rate between 0 and 1 (exclusive), got ${dropout}`);
    const t = options["top-percentile"] as number;
    if (!(t > 0 && t < 100)) throw new UsageError(`mlleaks audit: --top-percentile expects a number between 0 and 100 (exclusive), got ${t}`);
    if ((options.seed as number) < 0) throw new UsageError(`mlleaks audit: --seed expects a non-negative integer, got ${options.seed}`);
    const shadowName = options["shadow-dataset"] as string | undefined;
    const adversaries = ((options.adversary as string[] | undefined) ?? (shadowName ? ["1", "2", "3"] : ["1", "3"])).map(Number) as Adversary[];
    if (adversaries.includes(2) && !shadowName) throw new UsageError("mlleaks audit: --adversary 2 needs --shadow-dataset NAME (the data-transfer attack trains its shadow on another dataset)");
    if (shadowName !== undefined && shadowName === options.dataset) throw new UsageError("mlleaks audit: --shadow-dataset must differ from --dataset");
    const attacks = (options.attacks as string[] | undefined)?.filter((a) => a !== "none") as ExtraAttack[] | undefined;
    const dataDir = options["data-dir"] as string | undefined;
    if (options.model === undefined && options.dataset === undefined) throw new UsageError("mlleaks audit: --dataset is required (or --model M, to audit your own model)");
    if (options.model !== undefined && options.dataset !== undefined) throw new UsageError("mlleaks audit: give --model M (your model) or --dataset NAME|FILE (the ML-Leaks evaluation), not both");
    for (const name of ["members", "nonmembers", "population", "output-name", "input-name", "max-queries", "cache-dir"]) {
      if (options[name] !== undefined && options.model === undefined) throw new UsageError(`mlleaks audit: --${name} goes with --model`);
    }

    if (options.canaries !== undefined && options.model !== undefined) throw new UsageError("mlleaks audit: --canaries goes with --dataset (canaries must be trained into the target, and a given --model is already trained)");
    const attackOptions = attackOptionsFrom(options);
    const signals = signalsCollector(options);
    const stderr = { isTTY: Boolean(process.stderr.isTTY), write: (s: string) => void process.stderr.write(s) };
    const shadowDataset = shadowName && adversaries.includes(2) ? await load(shadowName, dataDir) : undefined;
    const engine = options.engine as EngineChoice;
    const workers = (options.workers as number | undefined) ?? nodeWorkers.defaultWorkers();
    if (options["queue-ca"] !== undefined && options.queue === undefined) throw new UsageError("mlleaks audit: --queue-ca is for a --queue rediss:// URL; no --queue was given");
    const queue = options.queue === undefined ? undefined : await openQueue(options.queue as string, options["queue-ca"] as string | undefined, stderr);
    // One pool for the whole audit: a model that trains after the first ones (stacking's meta model)
    // goes to a worker already warm, and the audit attacks each target while others still train.
    const pool = queue || workers === 1 ? undefined : new TrainingPool({ adapter: nodeWorkers, workers });
    const runJobs: JobRunner | undefined = queue ? queue.runJobs : pool ? (jobs, hooks) => pool.train(jobs, hooks) : undefined;
    const closeAll = () => {
      pool?.close();
      return queue?.close();
    };
    const perRecordRuns: PerRecordRun[] = [];
    const perRecordFile = options["per-record"] as string | undefined;
    const onPerRecord = perRecordFile === undefined ? undefined : (run: PerRecordRun) => void perRecordRuns.push(run);
    const withPerRecord = (report: AuditReport) => (perRecordFile === undefined ? report : writePerRecord(report, perRecordRuns, perRecordFile));
    if (options.model !== undefined) {
      // The user's model: every attack by default; the ones the inputs cannot support are noted.
      const { report, usesTfjs } = await runModelAudit(
        options,
        {
          ...(options.adversary ? { adversaries } : {}),
          attacks: attacks ?? [...DEFAULT_MODEL_ATTACKS],
          ...(shadowDataset ? { shadowDataset } : {}),
          ...(runJobs ? { runJobs } : {}),
          statistics: statisticsFrom("audit", options),
          ...(onPerRecord ? { onPerRecord } : {}),
          attackOptions,
          ...(signals.onSignals ? { onSignals: signals.onSignals } : {}),
          checkMemory: (data) => checkMemory(options, modelMemoryPlan(options, data, { attacks: attacks ?? [...DEFAULT_MODEL_ATTACKS], workers: queue ? 0 : workers }), stderr),
        },
        stderr,
      ).finally(closeAll);
      await signals.save(stderr);
      return printReports(await withPerRecord(report), options, usesTfjs || engine === "tfjs");
    }
    const dataset = await loadTarget(options.dataset as string, options, stderr);
    const usesTfjs = engine === "tfjs" || [dataset, shadowDataset].some((d) => d?.kind === "image" && d.recordShape[0]! >= 16) || options.target === "cnn";
    const partSize = (options["part-size"] as number | undefined) ?? Math.floor(dataset.labels.length / 4);
    stderr.write(
      `mlleaks audit: ${dataset.name} (${dataset.labels.length} records, 4 parts of ${partSize})` +
        (shadowDataset ? `, adversary 2 shadow data ${shadowDataset.name}` : "") +
        `; ${options.epochs} epochs; defences ${(options.defence as string[]).join(", ")}; seed ${options.seed}; ` +
        (queue ? `queue ${redactRedisUrl(options.queue as string)}\n` : `${workers} worker${workers === 1 ? "" : "s"}\n`),
    );
    checkMemory(options, datasetMemoryPlan(options, dataset, shadowDataset, { partSize, adversaries, attacks: attacks ?? [...AUDIT_DEFAULTS.attacks], workers: queue ? 0 : workers }), stderr);
    const bar = createProgress("audit", stderr);
    const report = await audit({
      dataset,
      ...(shadowDataset ? { shadowDataset } : {}),
      seed: options.seed as number,
      adversaries,
      attacks: attacks ?? [...AUDIT_DEFAULTS.attacks],
      defences: options.defence as Defence[],
      ...(options.target ? { target: options.target as ModelKind } : {}),
      ...(options["part-size"] ? { partSize: options["part-size"] as number } : {}),
      ...(options["shadow-part-size"] ? { shadowPartSize: options["shadow-part-size"] as number } : {}),
      epochs: options.epochs as number,
      attackEpochs: options["attack-epochs"] as number,
      ...(options["top-k"] !== undefined ? { topK: options["top-k"] as number } : {}),
      shadows: options.shadows as number,
      dropout,
      dpSgd: {
        clipNorm: options["clip-norm"] as number,
        noiseMultiplier: options["noise-multiplier"] as number,
        delta: options["dp-delta"] as number,
        ...(options["target-epsilon"] !== undefined ? { targetEpsilon: options["target-epsilon"] as number } : {}),
      },
      l2Penalty: options["l2-penalty"] as number,
      labelSmoothing: options["label-smoothing"] as number,
      relaxLossAlpha: options["relaxloss-alpha"] as number,
      advRegLambda: options["adv-reg-lambda"] as number,
      advRegSteps: options["adv-reg-steps"] as number,
      memguard: { budget: options["memguard-budget"] as number },
      hamp: { gamma: options["hamp-gamma"] as number, alpha: options["hamp-alpha"] as number },
      earlyStopping: { patience: options.patience as number },
      outputTopK: options["output-top-k"] as number,
      outputDecimals: options["output-decimals"] as number,
      noiseQueries: options["noise-queries"] as number,
      noise: options.noise as NoiseRule,
      ...(options.canaries !== undefined ? { canaries: options.canaries as number } : {}),
      topPercentile: t,
      engine,
      statistics: statisticsFrom("audit", options),
      attackOptions,
      ...(signals.onSignals ? { onSignals: signals.onSignals } : {}),
      ...(runJobs ? { runJobs } : {}),
      ...(onPerRecord ? { onPerRecord } : {}),
      onProgress: (p) => bar.update(p.done, p.total, p.detail),
    }).finally(closeAll);
    if (queue) stderr.write(`mlleaks audit: queue: ${queue.stats.enqueued} models trained by workers, ${queue.stats.reused} reused from earlier runs\n`);
    bar.finish(`done in ${report.timings?.total?.toFixed(1) ?? "?"} s`);
    await signals.save(stderr);
    return printReports(await withPerRecord(report), options, usesTfjs);
  },
};

/** What an ML-Leaks evaluation of `dataset` with these options holds in memory (see checkMemory). */
function datasetMemoryPlan(options: OptionValues, dataset: Dataset, shadowDataset: Dataset | undefined, run: { partSize: number; adversaries: Adversary[]; attacks: readonly ExtraAttack[]; workers: number }): AuditMemoryPlan {
  const shape = (d: Dataset, partSize: number) => ({ records: d.labels.length, recordShape: d.recordShape, classes: d.numClasses, partSize });
  const defences = options.defence as string[];
  const shadows = options.shadows as number;
  return {
    ...shape(dataset, run.partSize),
    target: ((options.target as ModelKind | undefined) ?? defaultModel(dataset)) as BuiltInModelKind,
    // Defences that change no training (no plan) share the undefended target; stacking trains three models.
    targetModels: Math.max(1, defences.filter((d) => defenceNamed(d).plan).length + (defences.includes("stacking") ? 2 : 0)),
    shokriShadows: run.attacks.includes("shokri") ? shadows : 0,
    referenceModels: wantsReferenceModels(run.attacks) ? shadows : 0,
    noiseQueries: run.adversaries.includes(3) ? (options["noise-queries"] as number) : 0,
    augmentations: run.attacks.includes("label-only-augmentation") ? DEFAULT_AUGMENTATIONS : 0,
    workers: run.workers,
    ...(shadowDataset ? { shadowData: shape(shadowDataset, (options["shadow-part-size"] as number | undefined) ?? Math.floor(shadowDataset.labels.length / 4)) } : {}),
  };
}

/**
 * The same for the user's model (--model): its records stand in for the four parts (the larger of
 * members, non-members and half the population), shadows and reference models take the shape of
 * the records (a CNN for images of 16x16 or more, an MLP otherwise), and the model answers but is
 * not trained here.
 */
function modelMemoryPlan(options: OptionValues, data: { members: LabeledData; nonMembers: LabeledData; population?: LabeledData }, run: { attacks: readonly ExtraAttack[]; workers: number }): AuditMemoryPlan {
  const rows = (d: LabeledData | undefined) => d?.labels.length ?? 0;
  const shape = data.members.recordShape;
  const shadows = data.population ? (options.shadows as number) : 0;
  return {
    records: rows(data.members) + rows(data.nonMembers) + rows(data.population),
    recordShape: shape,
    classes: Math.max(data.members.numClasses, data.nonMembers.numClasses),
    partSize: Math.max(rows(data.members), rows(data.nonMembers), Math.ceil(rows(data.population) / 2)),
    target: defaultModel({ kind: shape.length === 3 ? "image" : "tabular", recordShape: shape }) as BuiltInModelKind,
    targetModels: 1,
    shokriShadows: run.attacks.includes("shokri") ? shadows : 0,
    referenceModels: wantsReferenceModels(run.attacks) ? shadows : 0,
    noiseQueries: options["noise-queries"] as number,
    augmentations: run.attacks.includes("label-only-augmentation") ? DEFAULT_AUGMENTATIONS : 0,
    workers: run.workers,
    sizeOption: "fewer records in --members, --nonmembers, --population",
  };
}

/**
 * Refuses (before anything trains) a run whose estimated peak memory is over --max-memory or, by
 * default, the memory available now, naming the options that would lower it.
 */
function checkMemory(options: OptionValues, plan: AuditMemoryPlan, stderr: Stderr): void {
  const text = options["max-memory"] as string | undefined;
  const given = text === undefined ? undefined : parseByteSize(text);
  if (text !== undefined && given === undefined) throw new UsageError(`mlleaks audit: --max-memory expects a size such as 4G, 512M or a number of bytes, got '${text}'`);
  const limit = given ?? freemem();
  const estimate = estimateAuditMemory(plan);
  const source = given === undefined ? "the memory available now" : "--max-memory";
  if (estimate.bytes <= limit) {
    stderr.write(`mlleaks audit: estimated peak memory ${formatBytes(estimate.bytes)} (limit ${formatBytes(limit)}, ${source})\n`);
    return;
  }
  const largest = estimate.items.slice(0, 3).map((item) => `${item.what} ${formatBytes(item.bytes)}${item.lower ? ` (${item.lower})` : ""}`);
  const message =
    `mlleaks audit: this run would need about ${formatBytes(estimate.bytes)} of memory, more than the ${formatBytes(limit)} of ${source}. ` +
    `Largest parts: ${largest.join("; ")}. Lower those options, raise --max-memory, or pass --ignore-memory-estimate to run anyway.`;
  if (!options["ignore-memory-estimate"]) throw new UsageError(message);
  stderr.write(`${message.replace(/ Lower those.*$/, "")} Running anyway (--ignore-memory-estimate).\n`);
}

/** Writes report.json and report.html; prints the table (or the JSON with --json). */
async function printReports(report: AuditReport, options: OptionValues, usesTfjs: boolean): Promise<number> {
    const out = resolve(options.out as string);
    const versions: Record<string, string> = {};
    if (usesTfjs) {
      const backend = await initModelBackend();
      versions.tfjs = backend.tfjsVersion;
      versions.tfjsBackend = `${backend.backend}${backend.simd ? "-simd" : ""}, ${backend.threads} thread${backend.threads === 1 ? "" : "s"}`;
    }
    const paths = await writeReports(report, out, {}, versions);
    if (options.json) {
      const { readFile } = await import("node:fs/promises");
      process.stdout.write(await readFile(paths.json, "utf8"));
    } else {
      process.stdout.write(formatResultsTable(report) + "\n\n");
      if (report.mostExposed?.length) {
        const [first] = report.mostExposed;
        process.stdout.write(`most exposed records (${first!.attack}, ${first!.defence}; per-record scores: ${options["per-record"]}):\n`);
        for (const r of report.mostExposed) {
          process.stdout.write(`  rank ${r.rank}: ${r.member ? "member" : "non-member"} ${r.record}, class ${r.class ?? "?"}, loss ${r.loss ?? "?"}, score ${r.score.toPrecision(4)}\n`);
        }
        process.stdout.write("\n");
      }
      process.stdout.write(`fingerprint ${paths.fingerprint}\nreports: ${paths.json}\n         ${paths.html}\n`);
    }
    return 0;
}
