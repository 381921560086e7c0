// PCG32 (O'Neill 2014, pcg-c-basic `pcg32_random_r`): 64-bit LCG state, XSH-RR 32-bit output.
// A generator is 16 bytes of memory: u64 state, then u64 increment (always odd).

const PCG_MULTIPLIER: u64 = 6364136223846793005;

@inline
function pcg32Next(gen: usize): u32 {
  const old = load<u64>(gen);
  store<u64>(gen, old * PCG_MULTIPLIER + load<u64>(gen, 8));
  const xorshifted = <u32>(((old >> 18) ^ old) >> 27);
  return rotr<u32>(xorshifted, <u32>(old >> 59));
}

/** pcg32_srandom_r(initstate, initseq), each 64-bit value passed as two u32 halves. */
export function pcg32Seed(gen: usize, stateLo: u32, stateHi: u32, seqLo: u32, seqHi: u32): void {
  const initState = (<u64>stateHi << 32) | <u64>stateLo;
  const initSeq = (<u64>seqHi << 32) | <u64>seqLo;
  store<u64>(gen, 0);
  store<u64>(gen, (initSeq << 1) | 1, 8);
  pcg32Next(gen);
  store<u64>(gen, load<u64>(gen) + initState);
  pcg32Next(gen);
}

export function pcg32FillUint32(gen: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u32>(out + (<usize>i << 2), pcg32Next(gen));
}

/** Uniform doubles in [0, 1) with 53 random bits: two outputs each (the a>>5, b>>6 recipe). */
export function pcg32FillFloat64(gen: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const a = <f64>(pcg32Next(gen) >>> 5);
    const b = <f64>(pcg32Next(gen) >>> 6);
    store<f64>(out + (<usize>i << 3), (a * 67108864.0 + b) * (1.0 / 9007199254740992.0));
  }
}

/** pcg32_boundedrand_r: unbiased integer in [0, bound) by rejection. */
@inline
function pcg32Bounded(gen: usize, bound: u32): u32 {
  const threshold: u32 = (<u32>0 - bound) % bound;
  while (true) {
    const r = pcg32Next(gen);
    if (r >= threshold) return r % bound;
  }
}

/** Fisher-Yates (Durstenfeld): for i from n-1 down to 1, swap item i with item j, j in [0, i]. */
export function pcg32Shuffle(gen: usize, items: usize, n: i32): void {
  for (let i = n - 1; i > 0; i--) {
    const j = pcg32Bounded(gen, <u32>(i + 1));
    const pi = items + (<usize>i << 2);
    const pj = items + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
}

const TWO_PI: f64 = 6.283185307179586;

/**
 * Standard normals by Box-Muller: each pair takes two uniform doubles u1, u2 (as pcg32FillFloat64)
 * and gives r cos(2 pi u2), r sin(2 pi u2) with r = sqrt(-2 ln(1 - u1)); 1 - u1 is in (0, 1], so the
 * logarithm is finite. An odd n drops the last pair's sine. AssemblyScript's own Math (not the
 * host's) makes the values identical on every engine.
 */
export function pcg32FillNormal(gen: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 2) {
    const a1 = <f64>(pcg32Next(gen) >>> 5);
    const b1 = <f64>(pcg32Next(gen) >>> 6);
    const a2 = <f64>(pcg32Next(gen) >>> 5);
    const b2 = <f64>(pcg32Next(gen) >>> 6);
    const u1 = (a1 * 67108864.0 + b1) * (1.0 / 9007199254740992.0);
    const u2 = (a2 * 67108864.0 + b2) * (1.0 / 9007199254740992.0);
    const r = Math.sqrt(-2.0 * Math.log(1.0 - u1));
    // One argument reduction for both: the same bits as Math.cos and Math.sin on [0, 2 pi).
    NativeMath.sincos(TWO_PI * u2);
    store<f64>(out + (<usize>i << 3), r * NativeMath.sincos_cos);
    if (i + 1 < n) store<f64>(out + (<usize>(i + 1) << 3), r * NativeMath.sincos_sin);
  }
}
