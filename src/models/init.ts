// Seeded initial weights: Glorot-uniform kernels and zero biases, drawn from Pcg32, never from
// tfjs's initializers (unseeded by default, with seed traps).
import type { Pcg32 } from "../kernels/random.js";

/** Uniform in [-limit, limit] with limit = sqrt(6 / (fanIn + fanOut)), as Keras's glorot_uniform
 *  (for a conv kernel, fanIn = kh*kw*inChannels and fanOut = kh*kw*outChannels). */
export function glorotUniform(rng: Pcg32, count: number, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const u = rng.fillFloat64(count);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (u[i]! * 2 - 1) * limit;
  return out;
}

/** Inverted-dropout masks: each entry 1/keep with probability keep = 1 - rate, else 0. */
export function dropoutMask(rng: Pcg32, count: number, rate: number): Float32Array {
  const keep = 1 - rate;
  const scale = 1 / keep;
  const u = rng.fillFloat64(count);
  const mask = new Float32Array(count);
  for (let i = 0; i < count; i++) mask[i] = u[i]! < keep ? scale : 0;
  return mask;
}

/** Streams of the PRNG per purpose, so one purpose's draws never shift another's. */
export const RNG_STREAM = { weights: 1, batches: 2, dropout: 3, sample: 4, noise: 5, adversary: 6 } as const;
