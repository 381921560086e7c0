// `mlleaks epsilon`: the epsilon lower bounds that membership scores from anywhere prove: the
// ROC-based (epsilon, delta) bound over all thresholds, and the one-run audit (Steinke, Nasr and
// Jagielski 2023), which is valid when each record was included with probability 1/2 independently.
import { readFileNamed } from "../../adapters/node/fs.js";
import { initKernels, rocAnalysis } from "../../kernels/index.js";
import { oneRunAuditFromScores, rocEpsilonLowerBound } from "../../metrics/epsilon.js";
import { parseMembershipColumn, parseNumberColumn } from "../../metrics/number-files.js";
import { REPORT_SCHEMA_VERSION } from "../../report/types.js";
import { UsageError, type CommandSpec } from "../args.js";
import { STATISTICS_OPTIONS, statisticsFrom } from "../statistics-options.js";

export const epsilonCommand: CommandSpec = {
  name: "epsilon",
  summary: "empirical epsilon lower bounds from membership scores (ROC bound and one-run audit)",
  usage: "mlleaks epsilon --scores FILE --members FILE [--delta D] [--confidence C] [--json]",
  options: {
    scores: { type: "string", valueName: "FILE", required: true, description: "one score per record, higher = more member-like: one number per line (CSV with an optional header) or a 1-D .npy" },
    members: { type: "string", valueName: "FILE", required: true, description: "one flag per record, same order: 1 member, 0 non-member (same formats)" },
    confidence: STATISTICS_OPTIONS.confidence!,
    delta: STATISTICS_OPTIONS.delta!,
    json: { type: "boolean", description: "print one JSON object instead of text" },
  },
  async run(options) {
    const { confidence, delta } = statisticsFrom("epsilon", options);
    const scoresFile = options.scores as string;
    const membersFile = options.members as string;
    const scores = parseNumberColumn(await readFileNamed(scoresFile), scoresFile);
    const members = parseMembershipColumn(await readFileNamed(membersFile), membersFile);
    if (scores.length !== members.length) throw new UsageError(`mlleaks epsilon: ${scoresFile} has ${scores.length} scores but ${membersFile} has ${members.length} flags; expected one flag per score`);
    const inside = members.reduce((s, m) => s + m, 0);
    if (inside === 0 || inside === members.length) throw new Error(`${membersFile}: every record is ${inside === 0 ? "a non-member (0)" : "a member (1)"}; expected both`);
    await initKernels();
    const roc = rocEpsilonLowerBound(rocAnalysis(scores, members).counts, delta, confidence);
    const oneRun = oneRunAuditFromScores(scores, members, delta, confidence);
    if (options.json) {
      const result = { schemaVersion: REPORT_SCHEMA_VERSION, kind: "epsilon", records: scores.length, members: inside, nonMembers: scores.length - inside, delta, confidence, roc, oneRun };
      process.stdout.write(JSON.stringify(result) + "\n");
      return 0;
    }
    process.stdout.write(
      [
        `${scores.length} records: ${inside} members, ${scores.length - inside} non-members; delta ${delta}, ${Math.round(confidence * 1000) / 10}% confidence`,
        `ROC bound (Clopper-Pearson over all thresholds): epsilon >= ${roc.epsilon.toFixed(3)}` +
          (roc.threshold !== undefined ? ` (at score >= ${roc.threshold.toPrecision(6)}: ${roc.tp} members, ${roc.fp} non-members)` : " (no threshold proves anything)"),
        `one-run audit (Steinke, Nasr and Jagielski 2023): epsilon >= ${oneRun.epsilon.toFixed(3)} from ${oneRun.correct} of ${oneRun.guesses} guesses right ` +
          `(${oneRun.guessedIn} in, ${oneRun.guessedOut} out, best of ${oneRun.triedGuessCounts} guess counts; valid only if each record was included with probability 1/2)`,
      ].join("\n") + "\n",
    );
    return 0;
  },
};
