// The cross-runtime probe: one function that Node, Deno and Chromium each run, returning SHA-256
// hashes of deterministic results. The tests compare the hashes across runtimes; any difference in
// a seeded draw, a kernel or the audit shows up as a mismatched hash, named by its key.
import { initKernels, Pcg32 } from "../../src/kernels/index.js";
import { sha256OfArrays } from "../../src/util/sha256.js";

export interface ProbeResult {
  /** What ran it: "node 20.20.2", "deno 2.9.6", "chromium ..." (not compared). */
  runtime: string;
  /** Hash per deterministic computation; every key must agree across runtimes. */
  hashes: Record<string, string>;
  /** What differs by runtime and must not matter (wasm threads, cross-origin isolation); not compared. */
  facts: Record<string, string | number | boolean>;
}

/** The userAgent-or-version of whatever runs this, for the report (never compared). */
export function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; process?: { versions?: { node?: string } }; navigator?: { userAgent?: string } };
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.process?.versions?.node) return `node ${g.process.versions.node}`;
  return g.navigator?.userAgent ?? "unknown";
}

/** Seeded PRNG outputs: integers, doubles, shuffles, permutations, derived streams. */
async function pcg32Hashes(): Promise<Record<string, string>> {
  const outputs: ArrayBufferView[] = [];
  for (const [seed, stream] of [[42, 54], [0, 0], [2 ** 53 - 1, 2 ** 40 + 3]] as const) {
    const rng = new Pcg32(seed, stream);
    outputs.push(rng.fillUint32(4096), rng.fillFloat64(4096), rng.permutation(10007), rng.derive(3).fillUint32(64));
  }
  return { pcg32: await sha256OfArrays(outputs) };
}

export async function runProbe(): Promise<ProbeResult> {
  await initKernels();
  const hashes: Record<string, string> = { ...(await pcg32Hashes()) };
  const facts: ProbeResult["facts"] = {};
  return { runtime: runtimeName(), hashes, facts };
}
