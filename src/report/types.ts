// The audit's result as plain data: what report.json holds (plus versions, timings, fingerprint).
import type { AttackResult } from "../attacks/types.js";
import type { PrivacySpent } from "../defences/types.js";
import type { Verdict } from "./verdict.js";

/**
 * Version of the result schema (schema/report.schema.json) that report.json, --json output, the
 * library's result and the edge handler's response follow. Bumped when a field changes meaning or
 * goes away; new optional fields keep it.
 */
export const REPORT_SCHEMA_VERSION = 2;

export interface DatasetSummary {
  readonly name: string;
  readonly classes: number;
  /** Records in each of the four ML-Leaks parts (target-train, target-out, shadow-train, shadow-out). */
  readonly partSize?: number;
  readonly featureKind?: string;
  readonly provenance?: string;
}

export interface TargetSummary {
  /** "cnn", "mlp", "stacked", ... or "external" for posteriors supplied by the caller. */
  readonly kind: string;
  /** Accuracy on its members (training data) and on non-members; absent without labels. */
  readonly trainAccuracy?: number;
  readonly testAccuracy?: number;
  /** trainAccuracy - testAccuracy: the overfitting that drives membership inference. */
  readonly gap?: number;
  readonly weightsSha256?: string;
  /** A model audited where it lives (mode "model"): where it came from and what it answered. */
  readonly source?: string;
  readonly location?: string;
  /** "probabilities" or "logits" (softmaxed), as declared or detected. */
  readonly outputKind?: string;
  /** Records sent to the model during the audit. */
  readonly queries?: number;
}

export interface AuditRun {
  /** "none", "dropout" (with rate), "stacking" or "external". */
  readonly defence: string;
  readonly target: TargetSummary;
  readonly attacks: readonly AttackResult[];
  /** The formal guarantee of the defence's training (DP-SGD: the RDP accountant's epsilon at delta). */
  readonly privacy?: PrivacySpent;
}

export interface AuditReport {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  readonly mode: "audit" | "posteriors" | "model";
  readonly seed: number;
  /** Every setting that shaped the figures. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly dataset?: DatasetSummary;
  readonly shadowDataset?: DatasetSummary;
  readonly runs: readonly AuditRun[];
  /** Attacks skipped and why (missing labels, k larger than a class count, ...). */
  readonly notes: readonly string[];
  /** Seconds per stage; never part of the fingerprint. */
  readonly timings?: Readonly<Record<string, number>>;
}

/** report.json: the report plus what may differ between machines, and the fingerprint of the rest. */
export interface ReportDocument extends AuditReport {
  readonly tool: { readonly name: "mlleaks"; readonly version: string };
  /** SHA-256 of the canonical JSON of the AuditReport part (no versions, no timings). */
  readonly fingerprint: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly timings: Readonly<Record<string, number>>;
  readonly createdAt?: string;
  /** The verdict the report opens on (derived from runs, so not part of the fingerprint's input). */
  readonly verdict: Verdict;
}
