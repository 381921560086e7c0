// The summary of a posteriors-only audit: what `mlleaks attack --json` prints and the edge handler
// returns (schema/report.schema.json, $defs/summary): each attack's metrics beside its name.
import type { AuditReport } from "./types.js";
import { verdictOf } from "./verdict.js";

export function summarizeReport(report: AuditReport, options: { readonly roc?: boolean } = {}) {
  const run = report.runs[0];
  if (!run) throw new Error("summarizeReport: the report has no run");
  const first = run.attacks[0]?.metrics;
  return {
    schemaVersion: report.schemaVersion,
    members: (report.config.members as number | undefined) ?? first?.members ?? 0,
    nonMembers: (report.config.nonMembers as number | undefined) ?? first?.nonMembers ?? 0,
    ...(typeof report.config.classes === "number" ? { classes: report.config.classes } : {}),
    target: run.target,
    attacks: run.attacks.map((attack) => ({ name: attack.name, title: attack.title, ...attack.metrics, ...(options.roc ? { roc: attack.roc } : {}) })),
    notes: report.notes,
    verdict: verdictOf(report),
  };
}
