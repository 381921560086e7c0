// The part of the cross-runtime probe that needs nothing but the kernels (no tfjs, no datasets), so
// edge runtimes can run it too: workerd and Edge Runtime bundle this with the kernels as a module
// binding. probe.ts adds training and the short audit on top.
import { auditPosteriors } from "../../src/audit-posteriors.js";
import { boundaryDistances } from "../../src/attacks/boundary.js";
import { memGuard } from "../../src/defences/memguard.js";
import { rankPreserving } from "../../src/defences/hamp.js";
import { auc, entropy, initKernels, maxPosterior, Pcg32, rocCurve, topK, type KernelsSource } from "../../src/kernels/index.js";
import { fingerprintReport } from "../../src/report/json.js";
import { sha256OfArrays } from "../../src/util/sha256.js";

/** The userAgent-or-version of whatever runs this, for the report (never compared). */
export function runtimeName(): string {
  const g = globalThis as {
    Deno?: { version: { deno: string } };
    Bun?: { version: string };
    process?: { versions?: { node?: string } };
    navigator?: { userAgent?: string };
    EdgeRuntime?: string;
  };
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  // Bun also sets process.versions.node (the Node version it mimics): ask for Bun first.
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (typeof g.EdgeRuntime === "string") return `edge-runtime (${g.EdgeRuntime})`;
  if (g.process?.versions?.node) return `node ${g.process.versions.node}`;
  return g.navigator?.userAgent ?? "unknown";
}

/** Seeded PRNG outputs: integers, doubles, shuffles, permutations, derived streams. */
async function pcg32Hash(): Promise<string> {
  const outputs: ArrayBufferView[] = [];
  for (const [seed, stream] of [[42, 54], [0, 0], [2 ** 53 - 1, 2 ** 40 + 3]] as const) {
    const rng = new Pcg32(seed, stream);
    outputs.push(rng.fillUint32(4096), rng.fillFloat64(4096), rng.permutation(10007), rng.derive(3).fillUint32(64), rng.fillNormal(1024));
  }
  return sha256OfArrays(outputs);
}

/** Seeded softmax rows (Math.exp included: it must agree too), peakier when `peak` is larger. */
function softmaxRows(rng: Pcg32, rows: number, classes: number, peak: number): Float32Array {
  const logits = rng.fillNormal(rows * classes);
  const values = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += values[r * classes + c] = Math.exp(peak * logits[r * classes + c]!);
    for (let c = 0; c < classes; c++) values[r * classes + c]! /= sum;
  }
  return values;
}

/** Posterior and ROC kernels on seeded softmax rows. */
async function kernelsHash(): Promise<string> {
  const rows = 5000;
  const classes = 10;
  const p = { values: softmaxRows(new Pcg32(11), rows, classes, 3), rows, classes };
  const scores = maxPosterior(p);
  const members = Uint8Array.from({ length: rows }, (_, i) => i % 2);
  const roc = rocCurve(scores, members);
  return sha256OfArrays([topK(p, 3), scores, entropy(p), roc.fpr, roc.tpr, roc.thresholds, Float64Array.of(auc(scores, members))]);
}

/** The posteriors-only audit (every label-aware and label-free attack) on seeded rows: its report fingerprint. */
async function posteriorsReportFingerprint(): Promise<string> {
  const rng = new Pcg32(5);
  const rows = 2000;
  const classes = 10;
  const labels = () => Int32Array.from(rng.fillUint32(rows), (u) => u % classes);
  const report = await auditPosteriors({
    members: { values: softmaxRows(rng, rows, classes, 3), rows, classes },
    nonMembers: { values: softmaxRows(rng, rows, classes, 2), rows, classes },
    membersLabels: labels(),
    nonMembersLabels: labels(),
  });
  return fingerprintReport(report);
}

/** The label-only boundary search against a seeded linear classifier (argmax of W x): its distances and query counts. */
async function boundaryHash(): Promise<string> {
  const rng = new Pcg32(23);
  const [rows, width, classes] = [40, 16, 4];
  const weights = rng.fillNormal(classes * width);
  const features = Float32Array.from(rng.fillFloat64(rows * width));
  const predictLabels = async (x: Float32Array, n: number) =>
    Int32Array.from({ length: n }, (_, r) => {
      const score = (c: number) => x.subarray(r * width, (r + 1) * width).reduce((s, v, j) => s + weights[c * width + j]! * v, 0);
      let best = 0;
      for (let c = 1; c < classes; c++) if (score(c) > score(best)) best = c;
      return best;
    });
  const known = await predictLabels(features, rows);
  // Every seventh record mislabelled: those score 0 without a query.
  const labels = Int32Array.from(known, (y, r) => (r % 7 === 0 ? (y + 1) % classes : y));
  const half = (rows / 2) * width;
  const found = await boundaryDistances({ predictLabels, members: features.subarray(0, half), nonMembers: features.subarray(half), width, maxQueries: 60, batchSize: 64 }, known, labels, 9);
  return sha256OfArrays([found.distances, found.queries]);
}

/** MemGuard's noise search (portable exp, log, expm1) and HAMP's re-ranking on seeded rows. */
async function outputDefencesHash(): Promise<string> {
  const rng = new Pcg32(17);
  const rows = 200;
  const classes = 10;
  const hidden = 16;
  const p = { values: softmaxRows(rng, rows, classes, 3), rows, classes };
  const normal = (n: number, scale: number) => Float32Array.from(rng.fillNormal(n), (v) => v * scale);
  const weights = [normal(classes * hidden, 0.5), normal(hidden, 0.1), normal(hidden * 2, 0.5), new Float32Array(2)];
  const guarded = memGuard(p, { weights }, 1, rng.derive(1));
  const ranked = rankPreserving(p, { values: softmaxRows(rng, rows, classes, 1), rows, classes });
  return sha256OfArrays([guarded.values, ranked.values]);
}

/** The hashes every runtime can compute, edge runtimes included; `source` as in initKernels(). */
export async function portableHashes(source: KernelsSource = {}): Promise<Record<string, string>> {
  await initKernels(source);
  return { pcg32: await pcg32Hash(), kernels: await kernelsHash(), posteriorsReport: await posteriorsReportFingerprint(), outputDefences: await outputDefencesHash(), boundary: await boundaryHash() };
}

/** What an edge runtime's probe worker answers: its name, the portable hashes, and whether it compiles wasm from bytes. */
export async function edgeProbe(kernels: WebAssembly.Module): Promise<{ runtime: string; hashes: Record<string, string>; facts: Record<string, string> }> {
  let compileFromBytes = "allowed";
  try {
    // The smallest valid module: the header alone.
    await WebAssembly.compile(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));
  } catch (error) {
    compileFromBytes = `refused: ${(error as Error).message}`;
  }
  return { runtime: runtimeName(), hashes: await portableHashes({ module: kernels }), facts: { compileFromBytes } };
}
