// `mlleaks attack`: a posteriors-only audit of a model trained anywhere.
import { readFileNamed } from "../../adapters/node/fs.js";
import { parsePosteriorFile, type PosteriorFile } from "../../attacks/posterior-files.js";
import { auditPosteriors, POSTERIOR_ATTACKS, type PosteriorAttackName } from "../../audit-posteriors.js";
import { summarizeReport } from "../../report/summary.js";
import { formatResultsTable } from "../../report/table.js";
import { UsageError, type CommandSpec } from "../args.js";
import { STATISTICS_OPTIONS, statisticsFrom } from "../statistics-options.js";
import { writeReports } from "../reports.js";

async function load(path: string): Promise<PosteriorFile> {
  return parsePosteriorFile(await readFileNamed(path), path);
}

export const attackCommand: CommandSpec = {
  name: "attack",
  summary: "posteriors-only audit: threshold and metric attacks on a model trained anywhere",
  usage: "mlleaks attack --members FILE --nonmembers FILE [--noise FILE] [--json] [--out DIR]",
  options: {
    members: { type: "string", valueName: "FILE", required: true, description: "the target's posteriors on known members (training records): .csv with header p0..p{C-1}[,label], .json {posteriors, labels?} or 2-D .npy" },
    nonmembers: { type: "string", valueName: "FILE", required: true, description: "the target's posteriors on known non-members, same format" },
    noise: { type: "string", valueName: "FILE", description: "the target's posteriors on random noise queries, for adversary 3's threshold (without it, the top percentile of the non-members)" },
    attacks: { type: "list", valueName: "LIST", choices: POSTERIOR_ATTACKS, default: [...POSTERIOR_ATTACKS], description: "attacks to run (label-aware ones are skipped without labels)" },
    "top-percentile": { type: "number", valueName: "T", default: 10, description: "threshold at the top-T percentile of the reference scores" },
    out: { type: "string", valueName: "DIR", description: "also write report.json and report.html into DIR" },
    json: { type: "boolean", description: "print one JSON object on stdout instead of the table" },
    ...STATISTICS_OPTIONS,
  },
  async run(options) {
    const t = options["top-percentile"] as number;
    if (!(t > 0 && t < 100)) throw new UsageError(`mlleaks attack: --top-percentile expects a number between 0 and 100 (exclusive), got ${t}`);
    const members = await load(options.members as string);
    const nonMembers = await load(options.nonmembers as string);
    if (members.posteriors.classes !== nonMembers.posteriors.classes) {
      throw new Error(`${options.members}: ${members.posteriors.classes} classes, but ${options.nonmembers}: ${nonMembers.posteriors.classes}; both must come from the same model`);
    }
    if ((members.labels === undefined) !== (nonMembers.labels === undefined)) {
      const without = members.labels ? options.nonmembers : options.members;
      process.stderr.write(`mlleaks attack: ${without} has no labels, so the label-aware attacks (loss, modified entropy, correctness) are skipped\n`);
    }
    const noise = options.noise !== undefined ? (await load(options.noise as string)).posteriors : undefined;
    if (noise && noise.classes !== members.posteriors.classes) {
      throw new Error(`${options.noise}: ${noise.classes} classes, but the members' file has ${members.posteriors.classes}`);
    }
    const both = members.labels !== undefined && nonMembers.labels !== undefined;
    const report = await auditPosteriors({
      members: members.posteriors,
      nonMembers: nonMembers.posteriors,
      ...(both ? { membersLabels: members.labels!, nonMembersLabels: nonMembers.labels! } : {}),
      ...(noise ? { noise } : {}),
      attacks: options.attacks as PosteriorAttackName[],
      topPercentile: t,
      statistics: statisticsFrom("attack", options),
    });
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
