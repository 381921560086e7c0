// ln x with the same bits on every JavaScript engine. Math.log is not: V8 versions differ in the
// last bit (Node 20 and Chromium 156 do), and a score that differs in its last bit changes a
// report's thresholds and fingerprint. The same method as the kernels' entropies
// (assembly/posteriors.ts ln2x): x = 2^k m with m in [sqrt(1/2), sqrt(2)) by integer arithmetic on
// the bits (as musl's log does), then ln m = 2 atanh(s) = 2 (s + s^3/3 + ... + s^17/17) with
// s = (m - 1)/(m + 1), |s| <= 0.1716: plain IEEE adds, multiplies and one divide; within 2e-15 relative
// of Math.log (test/ln.test.ts).
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
// Typed arrays use the platform's byte order: find which word holds the sign and exponent.
const HIGH = (() => {
  bits[0] = 1;
  return words[1] === 0x3ff00000 ? 1 : 0;
})();
const SQRT_HALF_HIGH = 0x3fe6a09e;
const TWO_POW_54 = 18014398509481984;
const SMALLEST_NORMAL = 2.2250738585072014e-308;

/** ln x for x > 0 (finite); 0 gives -Infinity, a negative or NaN x gives NaN, Infinity gives Infinity. */
export function ln(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  let k = 0;
  if (x < SMALLEST_NORMAL) {
    x *= TWO_POW_54;
    k = -54;
  }
  bits[0] = x;
  const high = words[HIGH]! + (0x3ff00000 - SQRT_HALF_HIGH);
  k += (high >>> 20) - 0x3ff;
  words[HIGH] = (high & 0x000fffff) + SQRT_HALF_HIGH;
  const m = bits[0]!;
  const s = (m - 1) / (m + 1);
  const z = s * s;
  let q = 1 / 17;
  q = q * z + 1 / 15;
  q = q * z + 1 / 13;
  q = q * z + 1 / 11;
  q = q * z + 1 / 9;
  q = q * z + 1 / 7;
  q = q * z + 1 / 5;
  q = q * z + 1 / 3;
  q = q * z + 1;
  return k * Math.LN2 + (s + s) * q;
}
