// Property-based fuzzing (fast-check) of every parser of untrusted bytes: .npy, .npz, IDX, gzip,
// CIFAR, tar, CSV/JSON posterior files, record files (CSV, JSONL, .npy) and the edge handler's
// request body. Inputs are random bytes and valid files with bytes overwritten or cut short.
// Invariants: a parser returns or throws a named error with a message (never a TypeError,
// RangeError or other engine error from deep inside); the edge handler answers 200 or a 4xx JSON
// error (never 500); the same input gives the same result. Seeded: a failure prints its seed and
// path and reproduces. `npm test` runs a small budget; `npm run fuzz` sets MLLEAKS_FUZZ_RUNS higher.
import fc from "fast-check";
import { zipSync } from "fflate";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parsePosteriorFile } from "../src/attacks/posterior-files.js";
import { encodeNpy, gunzip, parseCifarBatch, parseIdx, parseNpy } from "../src/datasets/index.js";
import { parseTar } from "../src/datasets/tar.js";
import { fetch as leakageCheck } from "../src/edge/index.js";
import { initKernels } from "../src/kernels/index.js";
import { parseNpz, readRecords } from "../src/records/index.js";
import { cifarFile, gzipBytes, idxFile, text } from "./datasets-fixtures.js";

const fuzz = suite("fuzz: parsers of untrusted bytes");
// Budgets from the environment where there is one (npm run fuzz); a browser page has no process.
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const RUNS = Number(env.MLLEAKS_FUZZ_RUNS ?? 150);
const SEED = Number(env.MLLEAKS_FUZZ_SEED ?? 1414);
const params = { numRuns: RUNS, seed: SEED, endOnFailure: true };

/** Engine errors mean a parser ran into its own bug instead of naming the problem. */
const ENGINE_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

type Outcome = { ok: true; value: string } | { ok: false; name: string; message: string };

async function outcome(parse: () => unknown): Promise<Outcome> {
  try {
    const value = await parse();
    return { ok: true, value: summarize(value) };
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`threw a non-Error: ${String(error)}`);
    if (ENGINE_ERRORS.some((E) => error.constructor === E)) throw new Error(`engine error from inside the parser: ${error.name}: ${error.message}`);
    if (error.message.length === 0) throw new Error(`${error.name} without a message`);
    return { ok: false, name: error.name, message: error.message };
  }
}

/** A stable digest of a parse result (typed arrays by length and a sum), for the same-input check. */
function summarize(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const a = v as unknown as ArrayLike<number | bigint>;
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += Number(a[i]);
      return { typed: a.length, sum };
    }
    if (v instanceof Map) return Object.fromEntries(v);
    return v;
  });
}

/** Property: parse never throws an engine error, and twice on the same bytes gives the same outcome. */
async function holds(arbitrary: fc.Arbitrary<Uint8Array>, parse: (bytes: Uint8Array) => unknown): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arbitrary, async (bytes) => {
      const first = await outcome(() => parse(bytes.slice()));
      const second = await outcome(() => parse(bytes.slice()));
      assert.equal(second, first, "the same input gave a different result");
    }),
    params,
  );
}

/** Valid files with bytes overwritten and possibly cut short: past the magic numbers into the parser. */
function mutated(valid: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.option(fc.nat()))
    .map(([file, edits, cut]) => {
      const out = file.slice(0, cut === null ? file.length : cut % (file.length + 1));
      for (const [at, byte] of edits) if (out.length > 0) out[at % out.length] = byte;
      return out;
    });
}

const randomBytes = fc.uint8Array({ maxLength: 1024 });
const anyOf = (valid: readonly Uint8Array[]) => fc.oneof(randomBytes, mutated(valid));

await initKernels();
const npyFiles = [encodeNpy(Float32Array.of(0.5, 1, 2, 3), [2, 2]), encodeNpy(Int32Array.of(1, 2, 3), [3]), encodeNpy(new Uint8Array(6), [1, 2, 3])];
const idxFiles = [idxFile([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]), idxFile([3], [1, 2, 3])];
const gzFiles = [await gzipBytes(text("a,b\n1,2\n")), await gzipBytes(idxFiles[0]!)];
const posteriorFiles = [text("p0,p1,label\n0.9,0.1,0\n0.2,0.8,1\n"), text('{"posteriors":[[0.9,0.1],[0.3,0.7]],"labels":[0,1]}'), text("[[0.5,0.5],[0.6,0.4]]")];
const recordFiles = [text("x1,x2,label\n1,2,0\n3,4,1\n"), text('{"x1":1,"x2":2,"label":0}\n{"x1":3,"x2":4,"label":1}\n')];
const tarHeader = new Uint8Array(1536);
tarHeader.set(text("data.csv"), 0);
tarHeader.set(text("0000644\0"), 100);
tarHeader.set(text("00000000004\0"), 124);
tarHeader.set(text("ustar\0"), 257);
tarHeader.set(text("a,b\n"), 512);

fuzz(".npy", () => holds(anyOf(npyFiles), (b) => parseNpy(b, "f.npy")));
fuzz(".npz", () => holds(anyOf([zipSync({ "x.npy": npyFiles[0]!, "y.npy": npyFiles[1]! }, { level: 0 })]), (b) => parseNpz(b, "f.npz")));
fuzz("IDX", () => holds(anyOf(idxFiles), (b) => parseIdx(b, "f.idx")));
fuzz("gzip", () => holds(anyOf(gzFiles), (b) => gunzip(b, "f.gz", { maxOutputBytes: 1 << 20 })));
fuzz("CIFAR", () => holds(anyOf([cifarFile([[1], [2]])]), (b) => parseCifarBatch(b, "b.bin", "cifar10")));
fuzz("tar", () => holds(anyOf([tarHeader]), (b) => parseTar(b, "f.tar")));
fuzz("posterior files (CSV, JSON)", async () => {
  await holds(anyOf(posteriorFiles), (b) => parsePosteriorFile(b, "p.csv"));
  await holds(anyOf(posteriorFiles), (b) => parsePosteriorFile(b, "p.json"));
});
fuzz("record files (CSV, JSONL, .npy)", async () => {
  await holds(anyOf(recordFiles), (b) => readRecords(b, "r.csv", { labelColumn: "label" }));
  await holds(anyOf(recordFiles), (b) => readRecords(b, "r.jsonl", { labelColumn: "label" }));
  await holds(anyOf(npyFiles), (b) => readRecords(b, "r.npy"));
});

fuzz("edge request body: 200 or a 4xx JSON error, never 500", async () => {
  const valid = text(JSON.stringify({ members: { posteriors: [[0.9, 0.1], [0.8, 0.2]], labels: [0, 0] }, nonMembers: { posteriors: [[0.4, 0.6], [0.5, 0.5]], labels: [1, 0] } }));
  const body = fc.oneof(mutated([valid]), fc.json().map(text), randomBytes);
  await fc.assert(
    fc.asyncProperty(body, async (bytes) => {
      const answer = async () => {
        const response = await leakageCheck(new Request("http://edge.test/", { method: "POST", headers: { "content-type": "application/json" }, body: bytes.slice() }));
        return { status: response.status, body: await response.text() };
      };
      const first = await answer();
      assert.ok(first.status === 200 || (first.status >= 400 && first.status < 500), `status ${first.status}: ${first.body}`);
      if (first.status !== 200) assert.type((JSON.parse(first.body) as { error: unknown }).error, "string");
      assert.equal((await answer()).status, first.status);
    }),
    { ...params, numRuns: Math.max(10, Math.floor(RUNS / 3)) },
  );
});

fuzz.run();
