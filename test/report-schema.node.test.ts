// The versioned result schema (schema/report.schema.json) against real results: report.json of a
// real (small) audit with its training, the library's posteriors-only result, the summary that
// `mlleaks attack --json` and the edge handler return, and `mlleaks epsilon --json`'s object.
// Plus: the validator rejects what it should, so a pass means something.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { audit } from "../src/audit.js";
import { auditPosteriors } from "../src/audit-posteriors.js";
import { loadDataset } from "../src/datasets/index.js";
import { fetch as leakageCheck } from "../src/edge/index.js";
import { initKernels } from "../src/kernels/index.js";
import { buildReportDocument, canonicalJson } from "../src/report/json.js";
import { summarizeReport } from "../src/report/summary.js";
import { REPORT_SCHEMA_VERSION, type AuditReport } from "../src/report/types.js";
import { validate } from "./json-schema.js";

const schema = JSON.parse(readFileSync(fileURLToPath(new URL("../../schema/report.schema.json", import.meta.url)), "utf8"));
const test = suite("result schema");
let report: AuditReport;

/** What a consumer sees: the object after canonical JSON (non-finite numbers spelled out). */
const asJson = (value: unknown) => JSON.parse(canonicalJson(value));
const check = (value: unknown, what: string) => {
  const errors = validate(schema, asJson(value));
  assert.equal(errors, [], `${what}: ${errors.slice(0, 5).join("\n")}`);
};

test.before(async () => {
  await initKernels();
  const dna = await loadDataset("dna", { source: bundledDataSource() });
  report = await audit({ dataset: dna, seed: 3, partSize: 150, epochs: 5, attackEpochs: 5, noiseQueries: 100, engine: "fused", defences: ["none", "dropout"] });
});

test("the schema's version is the code's", () => {
  assert.is(schema.$defs.schemaVersion.const, REPORT_SCHEMA_VERSION);
  assert.is(report.schemaVersion, REPORT_SCHEMA_VERSION);
});

test("a real audit: the library's result and report.json validate", async () => {
  check(report, "library result");
  const document = await buildReportDocument(report, { version: "0.1.0", versions: { node: "20" }, timings: { total: 1 } });
  check(document, "report.json");
  assert.ok(report.runs[0]!.attacks.every((a) => a.metrics.statistics !== undefined), "every attack carries its statistics");
});

test("posteriors-only: the library's result, the attack --json summary and the edge response validate", async () => {
  // Posteriors with members more confident than non-members (a spread of seven levels each).
  const rows = (peak: number) => Array.from({ length: 60 }, (_, i) => {
    const p = 0.34 + peak * ((i % 7) / 7);
    return [p, (1 - p) / 2, (1 - p) / 2];
  });
  const toPosteriors = (r: number[][]) => ({ values: Float32Array.from(r.flat()), rows: r.length, classes: 3 });
  const labels = Int32Array.from({ length: 60 }, (_, i) => i % 3);
  const posteriorsReport = await auditPosteriors({ members: toPosteriors(rows(0.6)), nonMembers: toPosteriors(rows(0.3)), membersLabels: labels, nonMembersLabels: labels });
  check(posteriorsReport, "auditPosteriors result");
  check(summarizeReport(posteriorsReport), "attack --json summary");
  const response = await leakageCheck(
    new Request("http://localhost/", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ members: { posteriors: rows(0.6), labels: [...labels] }, nonMembers: { posteriors: rows(0.3), labels: [...labels] }, roc: true }) }),
  );
  assert.is(response.status, 200);
  const body = await response.json();
  assert.equal(validate(schema, body), [], "edge response");
});

test("the validator rejects a wrong version, a missing field and a malformed interval", async () => {
  const document = asJson(await buildReportDocument(report, { version: "0.1.0", versions: {}, timings: {} }));
  assert.ok(validate(schema, { ...document, schemaVersion: 1 }).length > 0, "old version");
  const { runs: _runs, ...noRuns } = document;
  assert.ok(validate(schema, noRuns).length > 0, "no runs");
  const broken = structuredClone(document);
  broken.runs[0].attacks[0].metrics.statistics.auc = [0.5];
  assert.ok(validate(schema, broken).some((e: string) => e.includes("fewer than 2")), "a one-ended interval");
});

test.run();
