// ln() (src/util/ln.ts): Math.log to 2e-15 relative, on normal and subnormal
// numbers, with the edge cases Math.log has; its bits hashed over a seeded sweep are fixed by the
// method, so every runtime (Node, Deno, Chromium) prints the same hash.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { ln } from "../src/util/ln.js";
import { sha256Hex } from "../src/util/sha256.js";

const test = suite("ln");
test.before(async () => {
  await initKernels();
});

/** Uniform in (0, 1), near 1, and doubles with random bits over the whole positive range (subnormals too). */
function values(): Float64Array {
  const n = 6000;
  const u = new Pcg32(11).fillFloat64(4 * n);
  const out = new Float64Array(3 * n);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    out[3 * i] = u[4 * i]!;
    out[3 * i + 1] = 1 + (u[4 * i]! - 0.5) * 1e-6;
    // Exponent field 0..2046 (0: subnormal), 52 random mantissa bits; never zero.
    const at = (3 * i + 2) * 8;
    view.setUint32(at, Math.floor(u[4 * i + 1]! * 2047) * 0x100000 + Math.floor(u[4 * i + 2]! * 0x100000));
    view.setUint32(at + 4, Math.floor(u[4 * i + 3]! * 0x100000000) | 1);
    out[3 * i + 2] = view.getFloat64(at);
  }
  return out;
}

test("agrees with Math.log to 2e-15 relative (1e-300 absolute), subnormals included", () => {
  let worst = 0;
  for (const x of [...values(), 1, 2, 0.5, Math.SQRT1_2, Math.SQRT2, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e-30]) {
    const want = Math.log(x);
    const error = Math.abs(ln(x) - want) / Math.max(Math.abs(want), 1e-300);
    worst = Math.max(worst, error);
    assert.ok(error <= 2e-15, `ln(${x}) = ${ln(x)}, Math.log gives ${want}`);
  }
  assert.ok(worst > 0, "compared something");
});

test("edge cases as Math.log: ln 1 = 0, ln 0 = -Infinity, negative and NaN give NaN, ln Infinity = Infinity", () => {
  assert.is(ln(1), 0);
  assert.is(ln(0), -Infinity);
  assert.ok(Number.isNaN(ln(-1)));
  assert.ok(Number.isNaN(ln(NaN)));
  assert.is(ln(Infinity), Infinity);
});

test("the same bits on every run and runtime (hash of a seeded sweep)", async () => {
  const x = values();
  const out = Float64Array.from(x, ln);
  const hash = await sha256Hex(new Uint8Array(out.buffer));
  assert.is(await sha256Hex(new Uint8Array(Float64Array.from(x, ln).buffer)), hash);
  // Fixed by the method (IEEE adds, multiplies, one divide): Node, Deno and Chromium all print it.
  assert.is(hash, LN_SWEEP_SHA256);
});

const LN_SWEEP_SHA256 = "9ca956ecb6f037602e12b8bba8992941e155bbcf96873eef9a1c365aa638501d";

test.run();
