// `mlleaks attack`: a posteriors-only audit of a model trained anywhere. Takes the model's outputs
// (probabilities, logits or per-record losses) in any record file kind of src/records/.
import { readFileNamed } from "../../adapters/node/fs.js";
import { readOutputFile, type ModelOutputFile, type OutputFileOptions } from "../../attacks/posterior-files.js";
import { auditLosses, auditPosteriors, POSTERIOR_ATTACKS, type PosteriorAttackName } from "../../audit-posteriors.js";
import { RECORD_FILE_TYPES } from "../../records/read.js";
import type { AuditReport } from "../../report/types.js";
import { summarizeReport } from "../../report/summary.js";
import { formatResultsTable } from "../../report/table.js";
import { UsageError, type CommandSpec, type OptionValues } from "../args.js";
import { STATISTICS_OPTIONS, statisticsFrom } from "../statistics-options.js";
import { writeReports } from "../reports.js";

const OUTPUT_CHOICES = ["auto", "probabilities", "logits", "losses"] as const;

async function load(path: string, labelsPath: string | undefined, options: OptionValues): Promise<ModelOutputFile> {
  const read: OutputFileOptions = {
    output: options.output as (typeof OUTPUT_CHOICES)[number],
    header: options.header as "auto" | "present" | "absent",
    ...(options["label-column"] !== undefined ? { labelColumn: options["label-column"] as string } : {}),
    ...(labelsPath !== undefined ? { labels: { bytes: await readFileNamed(labelsPath), fileName: labelsPath } } : {}),
  };
  const file = await readOutputFile(await readFileNamed(path), path, read);
  for (const warning of file.warnings) process.stderr.write(`mlleaks attack: warning: ${warning}\n`);
  return file;
}

async function attackOnLosses(members: ModelOutputFile, nonMembers: ModelOutputFile, options: OptionValues): Promise<AuditReport> {
  if (members.kind !== "losses" || nonMembers.kind !== "losses") {
    const [losses, other] = members.kind === "losses" ? [options.members, options.nonmembers] : [options.nonmembers, options.members];
    throw new Error(`${losses} holds one loss per record but ${other} holds ${members.kind === "losses" ? nonMembers.kind : members.kind}; give both as losses or both as model outputs`);
  }
  if (options.noise !== undefined) throw new UsageError("mlleaks attack: --noise needs posteriors; with per-record losses only the loss attack runs");
  process.stderr.write("mlleaks attack: per-record losses given: only the loss attack runs (the other attacks need the full posteriors)\n");
  return auditLosses({ members: members.losses!, nonMembers: nonMembers.losses!, topPercentile: options["top-percentile"] as number, statistics: statisticsFrom("attack", options) });
}

async function attackOnPosteriors(members: ModelOutputFile, nonMembers: ModelOutputFile, options: OptionValues): Promise<AuditReport> {
  const m = members.posteriors!;
  const n = nonMembers.posteriors!;
  if (m.classes !== n.classes) {
    throw new Error(`${options.members}: ${m.classes} classes, but ${options.nonmembers}: ${n.classes}; both must come from the same model`);
  }
  if (members.kind !== nonMembers.kind) {
    throw new Error(`${options.members} reads as ${members.kind} but ${options.nonmembers} as ${nonMembers.kind}; say which with --output probabilities or --output logits`);
  }
  if (options.output === "auto" && members.kind === "logits") {
    process.stderr.write("mlleaks attack: rows do not sum to 1, so the outputs are read as logits and softmaxed (say --output to override)\n");
  }
  if ((members.labels === undefined) !== (nonMembers.labels === undefined)) {
    const without = members.labels ? options.nonmembers : options.members;
    process.stderr.write(`mlleaks attack: ${without} has no labels, so the label-aware attacks (loss, modified entropy, correctness) are skipped\n`);
  }
  let noise;
  if (options.noise !== undefined) {
    const file = await load(options.noise as string, undefined, { ...options, "label-column": undefined });
    if (!file.posteriors) throw new Error(`${options.noise}: holds losses; the noise queries' answers must be posteriors`);
    noise = file.posteriors;
    if (noise.classes !== m.classes) throw new Error(`${options.noise}: ${noise.classes} classes, but the members' file has ${m.classes}`);
  }
  let population;
  if (options.population !== undefined) {
    const file = await load(options.population as string, options["population-labels"] as string | undefined, options);
    if (!file.posteriors) throw new Error(`${options.population}: holds losses; attack-p needs the target's posteriors on the population records`);
    if (!file.labels) throw new UsageError(`mlleaks attack: ${options.population} has no labels: attack-p needs the population's true classes (a label column, or --population-labels FILE)`);
    if (file.posteriors.classes !== m.classes) throw new Error(`${options.population}: ${file.posteriors.classes} classes, but the members' file has ${m.classes}`);
    population = { posteriors: file.posteriors, labels: file.labels };
  }
  const both = members.labels !== undefined && nonMembers.labels !== undefined;
  return auditPosteriors({
    members: m,
    nonMembers: n,
    ...(both ? { membersLabels: members.labels!, nonMembersLabels: nonMembers.labels! } : {}),
    ...(noise ? { noise } : {}),
    ...(population ? { population } : {}),
    ...(options.alpha !== undefined ? { alpha: options.alpha as number } : {}),
    ...(options.attacks !== undefined ? { attacks: options.attacks as PosteriorAttackName[] } : {}),
    topPercentile: options["top-percentile"] as number,
    statistics: statisticsFrom("attack", options),
  });
}

export const attackCommand: CommandSpec = {
  name: "attack",
  summary: "posteriors-only audit: threshold and metric attacks on a model trained anywhere",
  usage: "mlleaks attack --members FILE --nonmembers FILE [--label-column NAME | --members-labels FILE --nonmembers-labels FILE] [--output auto|probabilities|logits|losses] [--noise FILE] [--population FILE [--population-labels FILE]] [--json] [--out DIR]",
  options: {
    members: { type: "string", valueName: "FILE", required: true, description: `the target's outputs on known members (training records): posteriors, logits or one loss per record, as ${RECORD_FILE_TYPES} (.csv with header p0..p{C-1}[,label] and .json {posteriors|logits|losses, labels?} as before)` },
    nonmembers: { type: "string", valueName: "FILE", required: true, description: "the target's outputs on known non-members, same format" },
    "label-column": { type: "string", valueName: "NAME", description: "the column holding each record's true class (name, or index for a file without header); default: a column named 'label'" },
    "members-labels": { type: "string", valueName: "FILE", description: "the members' true classes in a separate file (.npy, or a one-column .csv/.txt/.json)" },
    "nonmembers-labels": { type: "string", valueName: "FILE", description: "the non-members' true classes in a separate file" },
    output: { type: "string", valueName: "KIND", choices: OUTPUT_CHOICES, default: "auto", description: "what the values are: probabilities, logits (softmaxed in float64) or losses; auto: one value per record is a loss, rows summing to 1 are probabilities, anything else logits" },
    header: { type: "string", valueName: "WHEN", choices: ["auto", "present", "absent"], default: "auto", description: "CSV: whether line 1 is a header (auto: an all-numeric line 1 is data, except pandas' 0,1,...)" },
    noise: { type: "string", valueName: "FILE", description: "the target's posteriors on random noise queries, for adversary 3's threshold (without it, the top percentile of the non-members)" },
    population: { type: "string", valueName: "FILE", description: "the target's posteriors on population records (records it never trained on) with their labels, same format: attack-p's calibration" },
    "population-labels": { type: "string", valueName: "FILE", description: "the population's true classes in a separate file" },
    alpha: { type: "number", valueName: "A", description: "the FPR attack-p aims at (default 0.01)" },
    attacks: { type: "list", valueName: "LIST", choices: POSTERIOR_ATTACKS, description: "attacks to run (default all; label-aware ones are skipped without labels, attack-p without --population)" },
    "top-percentile": { type: "number", valueName: "T", default: 10, description: "threshold at the top-T percentile of the reference scores" },
    out: { type: "string", valueName: "DIR", description: "also write report.json and report.html into DIR" },
    json: { type: "boolean", description: "print one JSON object on stdout instead of the table" },
    ...STATISTICS_OPTIONS,
  },
  async run(options) {
    const t = options["top-percentile"] as number;
    if (!(t > 0 && t < 100)) throw new UsageError(`mlleaks attack: --top-percentile expects a number between 0 and 100 (exclusive), got ${t}`);
    if ((options["members-labels"] === undefined) !== (options["nonmembers-labels"] === undefined)) {
      throw new UsageError("mlleaks attack: give --members-labels and --nonmembers-labels together");
    }
    if (options["population-labels"] !== undefined && options.population === undefined) throw new UsageError("mlleaks attack: --population-labels needs --population FILE");
    if (options.alpha !== undefined && !((options.alpha as number) > 0 && (options.alpha as number) < 1)) throw new UsageError(`mlleaks attack: --alpha expects an FPR between 0 and 1 (exclusive), got ${options.alpha}`);
    if (options["label-column"] !== undefined && options["members-labels"] !== undefined) {
      throw new UsageError("mlleaks attack: give either --label-column or labels files, not both");
    }
    const members = await load(options.members as string, options["members-labels"] as string | undefined, options);
    const nonMembers = await load(options.nonmembers as string, options["nonmembers-labels"] as string | undefined, options);
    const report = members.kind === "losses" || nonMembers.kind === "losses" ? await attackOnLosses(members, nonMembers, options) : await attackOnPosteriors(members, nonMembers, options);
    const paths = options.out !== undefined ? await writeReports(report, options.out as string, {}) : undefined;
    if (options.json) {
      const summary = { ...summarizeReport(report), ...(paths ? { reports: paths } : {}) };
      process.stdout.write(JSON.stringify(summary, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)) + "\n");
    } else {
      process.stdout.write(formatResultsTable(report) + "\n");
      if (paths) process.stdout.write(`reports: ${paths.json}\n         ${paths.html}\n`);
    }
    return 0;
  },
};
