// The cross-runtime probe: one function that Node, Deno, Bun and Chromium each run, returning SHA-256
// hashes of deterministic results. The tests compare the hashes across runtimes; any difference in
// a seeded draw, a kernel, a trained model or the audit shows up as a mismatched hash, named by its
// key. What legitimately differs (wasm threads, cross-origin isolation) goes in `facts`.
import { audit } from "../../src/audit.js";
import type { DataSource } from "../../src/datasets/types.js";
import { loadDataset, mlLeaksSplit } from "../../src/datasets/index.js";
import "../../src/models/engines.js";
import { createClassifier, initModelBackend, type ModelBackendOptions } from "../../src/models/index.js";
import { fingerprintReport } from "../../src/report/json.js";
import { sha256OfArrays } from "../../src/util/sha256.js";
import { portableHashes, runtimeName } from "./probe-portable.js";

export interface ProbeResult {
  /** What ran it: "node 20.20.2", "deno 2.9.6", "bun 1.4.5", or the browser's user agent (not compared). */
  runtime: string;
  /** Hash per deterministic computation; every key must agree across runtimes. */
  hashes: Record<string, string>;
  /** What differs by runtime and must not matter (wasm threads, cross-origin isolation); not compared. */
  facts: Record<string, string | number | boolean>;
}

export interface ProbeOptions {
  /** Where the bundled datasets come from: the package folder (Node, Deno) or the page's server. */
  readonly source: DataSource;
  /** tfjs-backend-wasm setup: the .wasm URLs in a browser, a thread count to ask for. */
  readonly backend?: ModelBackendOptions;
}

/** A small MLP trained on the digits dataset with each engine: weights and posteriors. */
async function modelHashes(source: DataSource): Promise<Record<string, string>> {
  const digits = await loadDataset("digits", { source });
  const split = mlLeaksSplit(digits, { seed: 1, partSize: 300 });
  const out: Record<string, string> = {};
  for (const engine of ["tfjs", "fused"] as const) {
    const model = await createClassifier("mlp", { inputShape: digits.recordShape, numClasses: digits.numClasses, engine });
    try {
      await model.fit(split.targetTrain, { seed: 3, epochs: 3, batchSize: 50 });
      out[`${engine}-mlp-weights`] = await model.weightsSha256();
      const posteriors = await model.predict(split.targetOut.features, split.targetOut.labels.length);
      out[`${engine}-mlp-posteriors`] = await sha256OfArrays([posteriors.values]);
    } finally {
      model.dispose();
    }
  }
  return out;
}

/** The short audit: digits, small parts, few epochs, fixed seed; its report fingerprint. */
/** The audit page's form takes the same settings, so the Chromium suite runs this audit by clicking. */
export const SHORT_AUDIT = { dataset: "digits", seed: 7, partSize: 150, epochs: 4 } as const;

async function auditFingerprint(source: DataSource): Promise<string> {
  const { dataset, ...options } = SHORT_AUDIT;
  const report = await audit({ ...options, dataset: await loadDataset(dataset, { source }) });
  return fingerprintReport(report);
}

export async function runProbe(options: ProbeOptions): Promise<ProbeResult> {
  const portable = await portableHashes();
  const backend = await initModelBackend(options.backend ?? {});
  const hashes: Record<string, string> = {
    ...portable,
    ...(await modelHashes(options.source)),
    auditFingerprint: await auditFingerprint(options.source),
  };
  const facts: ProbeResult["facts"] = {
    wasmThreads: backend.threads,
    simd: backend.simd,
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  };
  return { runtime: runtimeName(), hashes, facts };
}
