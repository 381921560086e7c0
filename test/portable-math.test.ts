// The portable Math (src/util/portable-math.ts): the same bits in every engine (a pinned hash of
// 5 x 300,000 values, checked in Node and Deno, whose own Math.log/exp differ in the last bit), each
// function within a few ulps of the engine's own, and the special values of IEEE 754.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels } from "../src/kernels/index.js";
import { Pcg32 } from "../src/kernels/random.js";
import * as portable from "../src/util/portable-math.js";
import { sha256Hex } from "../src/util/sha256.js";

const test = suite("portable math");
test.before(async () => {
  await initKernels();
});

const FUNCTIONS = ["log", "log1p", "log10", "exp", "expm1"] as const;

/** Inputs over each function's whole useful range: tiny, unit, wide logarithmic, large. */
function inputs(fn: (typeof FUNCTIONS)[number], n: number): Float64Array {
  const u = new Pcg32(2026, 12).fillFloat64(2 * n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = u[2 * i]!;
    const b = u[2 * i + 1]!;
    const wide = portable.pow(2, Math.round((a - 0.5) * 2000)); // exact: a power of two
    const signed = (b - 0.5) * [1e-9, 2, 60, 1500][i % 4]!;
    if (fn === "log" || fn === "log10") out[i] = i % 2 === 0 ? wide * (1 + b) : 1 + signed / 2000;
    else if (fn === "log1p") out[i] = Math.max(signed, -0.999999);
    else out[i] = signed;
  }
  return out;
}

test("the same bits in every engine (pinned hash)", async () => {
  const parts: Float64Array[] = [];
  for (const name of FUNCTIONS) parts.push(Float64Array.from(inputs(name, 300_000), (x) => portable[name](x)));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) bytes.set(new Uint8Array(p.buffer), (offset += p.byteLength) - p.byteLength);
  assert.is(await sha256Hex(bytes), "d111dafabf5e6b8d2ed1c573c9596483a3e1d2044684ebf1ad21cf0e31b1eb98");
});

test("within a few ulps of this engine's Math", () => {
  for (const name of FUNCTIONS) {
    for (const x of inputs(name, 20_000)) {
      const ours = portable[name](x);
      const theirs = Math[name](x);
      const ulp = 4 * Math.abs(theirs) * 2 ** -52 + Number.MIN_VALUE; // fdlibm log10 is within 2 ulps
      if (!(Object.is(ours, theirs) || Math.abs(ours - theirs) <= ulp)) assert.unreachable(`${name}(${x}) = ${ours}, Math.${name} gives ${theirs}`);
    }
  }
});

test("special values", () => {
  assert.is(portable.log(0), -Infinity);
  assert.ok(Number.isNaN(portable.log(-1)));
  assert.is(portable.log(1), 0);
  assert.is(portable.log(Math.E), 1);
  assert.is(portable.log(Infinity), Infinity);
  assert.is(portable.log(5e-324), Math.log(5e-324));
  assert.is(portable.log10(1000), 3);
  assert.is(portable.log10(0), -Infinity);
  assert.is(portable.exp(0), 1);
  assert.is(portable.exp(1), Math.E);
  assert.is(portable.exp(-Infinity), 0);
  assert.is(portable.exp(710), Infinity);
  assert.is(portable.exp(-746), 0);
  assert.ok(Number.isNaN(portable.exp(NaN)));
  assert.is(portable.log1p(-1), -Infinity);
  assert.is(portable.log1p(1e-300), 1e-300);
  assert.is(portable.expm1(1e-300), 1e-300);
  assert.is(portable.expm1(-Infinity), -1);
  assert.is(portable.pow(2, 10), 1024);
  assert.is(portable.pow(10, -2), 1 / 100);
  assert.is(portable.pow(4, 0.5), portable.exp(0.5 * portable.log(4)));
});

test.run();
