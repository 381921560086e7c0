// report.json: canonical JSON (sorted keys, non-finite numbers spelled out) so that the same audit
// gives the same bytes, and a SHA-256 fingerprint over the parts that must not vary by machine.
import { sha256Hex } from "../util/sha256.js";
import type { AuditReport, ReportDocument } from "./types.js";
import { verdictOf } from "./verdict.js";

/** JSON with object keys sorted at every level; Infinity/NaN become strings instead of null. */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (value === null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, (v) => sortKeys(v));
  if (Array.isArray(value)) return value.map(sortKeys);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

export async function fingerprintReport(report: AuditReport): Promise<string> {
  const { mode, seed, config, dataset, shadowDataset, runs, notes } = report;
  return sha256Hex(canonicalJson({ mode, seed, config, dataset, shadowDataset, runs, notes }));
}

export async function buildReportDocument(
  report: AuditReport,
  meta: { version: string; versions: Record<string, string>; timings: Record<string, number>; createdAt?: string },
): Promise<ReportDocument> {
  return {
    tool: { name: "mlleaks", version: meta.version },
    fingerprint: await fingerprintReport(report),
    ...report,
    versions: meta.versions,
    timings: { ...report.timings, ...meta.timings },
    ...(meta.createdAt ? { createdAt: meta.createdAt } : {}),
    verdict: verdictOf(report),
  };
}

export function serializeReport(document: ReportDocument): string {
  return canonicalJson(document, 1) + "\n";
}
