// Writes report.json and report.html for a finished audit (atomically), with this process's versions.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeDirectorySetAtomic } from "../adapters/node/fs.js";
import { renderReportHtml } from "../report/html.js";
import { buildReportDocument, serializeReport } from "../report/json.js";
import type { AuditReport } from "../report/types.js";
import { PACKAGE_VERSION } from "../version.js";

export function runtimeVersions(extra: Record<string, string> = {}): Record<string, string> {
  return { mlleaks: PACKAGE_VERSION, node: process.versions.node, v8: process.versions.v8, platform: `${process.platform}-${process.arch}`, ...extra };
}

export async function writeReports(
  report: AuditReport,
  directory: string,
  timings: Record<string, number>,
  versions: Record<string, string> = {},
): Promise<{ json: string; html: string; fingerprint: string }> {
  const document = await buildReportDocument(report, {
    version: PACKAGE_VERSION,
    versions: runtimeVersions(versions),
    timings,
    createdAt: new Date().toISOString(),
  });
  const json = join(directory, "report.json");
  const html = join(directory, "report.html");
  // One set: a kill between the two files must not leave this run's JSON beside another run's HTML.
  await writeDirectorySetAtomic(directory, (entry) => entry === "report.json" || entry === "report.html", async (staging) => {
    await writeFile(join(staging, "report.json"), serializeReport(document));
    await writeFile(join(staging, "report.html"), renderReportHtml(document));
  });
  return { json, html, fingerprint: document.fingerprint };
}
