// `mlleaks audit --model M --members FILE --nonmembers FILE [--population FILE]`: the audit of the
// user's own model on the user's own records (auditModel), and `--dataset ./my.csv`: the ML-Leaks
// split pipeline on the user's table. Both read records through src/records/.
import { basename } from "node:path";
import { openModelSpec } from "../../adapters/node/open-model.js";
import { readRecordsFile } from "../../adapters/node/records.js";
import { inferNoiseKind, auditModel } from "../../audit-model.js";
import type { Adversary, ExtraAttack, JobRunner } from "../../audit.js";
import type { StatisticsOptions } from "../../attacks/types.js";
import type { PerRecordRun } from "../../metrics/per-record.js";
import type { AttackOptions } from "../../attacks/registry.js";
import type { AuditSignals } from "../../attacks/signals.js";
import type { Dataset } from "../../datasets/index.js";
import { toLabeledData } from "../../records/index.js";
import type { AuditReport } from "../../report/types.js";
import type { OutputChoice } from "../../targets/types.js";
import type { LabeledData } from "../../types.js";
import { UsageError, type OptionValues } from "../args.js";
import { createProgress } from "../progress.js";

type Stderr = { isTTY: boolean; write(s: string): void };

/** Record files the user may name with --dataset: anything with a record file's extension, or a path. */
export const looksLikeRecordFile = (name: string) => /[\\/]/.test(name) || /\.(csv|tsv|txt|jsonl|ndjson|json|parquet|npy|npz)$/i.test(name);

function recordOptions(options: OptionValues) {
  const labelColumn = options["label-column"] as string | undefined;
  const featureColumns = options["feature-columns"] as string[] | undefined;
  return { ...(labelColumn !== undefined ? { labelColumn } : {}), ...(featureColumns ? { featureColumns } : {}) };
}

async function readLabeled(path: string, options: OptionValues, stderr: Stderr, numClasses?: number): Promise<LabeledData> {
  const table = await readRecordsFile(path, recordOptions(options));
  for (const warning of table.warnings) stderr.write(`mlleaks audit: warning: ${warning}\n`);
  return toLabeledData(table, numClasses);
}

/** The user's table as a Dataset for the ML-Leaks split pipeline. */
export async function readUserDataset(path: string, options: OptionValues, stderr: Stderr): Promise<Dataset> {
  const table = await readRecordsFile(path, recordOptions(options));
  for (const warning of table.warnings) stderr.write(`mlleaks audit: warning: ${warning}\n`);
  const data = toLabeledData(table);
  const featureKind = inferNoiseKind(data);
  return {
    ...data,
    name: basename(path),
    classNames: table.classNames ?? Array.from({ length: data.numClasses }, (_, i) => String(i)),
    kind: data.recordShape.length === 3 ? "image" : "tabular",
    featureKind,
    provenance: `the user's file ${path} (${table.rows} records of shape ${JSON.stringify(data.recordShape)}; ${featureKind} features inferred from the values)`,
  };
}

export interface ModelAuditRun {
  readonly report: AuditReport;
  readonly usesTfjs: boolean;
}

/** Opens the model, reads the records, runs auditModel with the CLI's settings. */
export async function runModelAudit(
  options: OptionValues,
  settings: { adversaries?: Adversary[]; attacks: ExtraAttack[]; shadowDataset?: Dataset; runJobs?: JobRunner; statistics?: StatisticsOptions; onPerRecord?: (run: PerRecordRun) => void; attackOptions?: AttackOptions; onSignals?: (signals: AuditSignals) => void; checkMemory?: (data: { members: LabeledData; nonMembers: LabeledData; population?: LabeledData }) => void },
  stderr: Stderr,
): Promise<ModelAuditRun> {
  const spec = options.model as string;
  const members = options.members as string | undefined;
  const nonMembers = options.nonmembers as string | undefined;
  if (!members || !nonMembers) throw new UsageError("mlleaks audit: --model needs --members FILE and --nonmembers FILE (records the model trained on, and records it never saw)");
  const target = await openModelSpec(spec, {
    output: options.output as OutputChoice,
    ...(options["input-name"] ? { inputName: options["input-name"] as string } : {}),
    ...(options["output-name"] ? { outputName: options["output-name"] as string } : {}),
    ...(options["batch-size"] ? { batchSize: options["batch-size"] as number } : {}),
    ...(options["max-queries"] ? { maxQueries: options["max-queries"] as number } : {}),
    ...(options["cache-dir"] ? { cacheDir: options["cache-dir"] as string } : {}),
  });
  try {
    // An endpoint may not know its class count before its first answer; auditModel asks it then.
    const numClasses = target.numClasses >= 2 ? target.numClasses : undefined;
    const data = {
      members: await readLabeled(members, options, stderr, numClasses),
      nonMembers: await readLabeled(nonMembers, options, stderr, numClasses),
      ...(options.population ? { population: await readLabeled(options.population as string, options, stderr, numClasses) } : {}),
    };
    stderr.write(
      `mlleaks audit: ${target.source} model ${target.location}${numClasses ? ` (${numClasses} classes)` : ""}; ${data.members.labels.length} members, ${data.nonMembers.labels.length} non-members` +
        (data.population ? `, ${data.population.labels.length} population records` : ", no population (shadow and reference models skipped)") +
        `; seed ${options.seed}\n`,
    );
    settings.checkMemory?.(data);
    const bar = createProgress("audit", stderr);
    const report = await auditModel({
      target,
      ...data,
      ...(settings.shadowDataset ? { shadowDataset: settings.shadowDataset } : {}),
      seed: options.seed as number,
      ...(settings.adversaries ? { adversaries: settings.adversaries } : {}),
      attacks: settings.attacks,
      epochs: options.epochs as number,
      attackEpochs: options["attack-epochs"] as number,
      ...(options["top-k"] !== undefined ? { topK: options["top-k"] as number } : {}),
      shadows: options.shadows as number,
      noiseQueries: options["noise-queries"] as number,
      topPercentile: options["top-percentile"] as number,
      engine: options.engine as "auto" | "tfjs" | "fused",
      ...(options["batch-size"] ? { queryBatchSize: options["batch-size"] as number } : {}),
      ...(settings.runJobs ? { runJobs: settings.runJobs } : {}),
      ...(settings.statistics ? { statistics: settings.statistics } : {}),
      ...(settings.onPerRecord ? { onPerRecord: settings.onPerRecord } : {}),
      ...(settings.attackOptions ? { attackOptions: settings.attackOptions } : {}),
      ...(settings.onSignals ? { onSignals: settings.onSignals } : {}),
      onProgress: (p) => bar.update(p.done, p.total, p.detail),
    });
    bar.finish(`done in ${report.timings?.total?.toFixed(1) ?? "?"} s`);
    return { report, usesTfjs: target.source.startsWith("tfjs") || String(report.config.shadowModel) === "cnn" };
  } finally {
    await target.dispose();
  }
}
