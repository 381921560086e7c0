// Seeded randomness for everything that must be reproducible: splits, batch orders, initial
// weights, dropout masks, noise queries. Backed by the PCG32 kernel in assembly/random.ts.
import { kernels, scratch } from "./wasm.js";

const TWO_POW_32 = 4294967296;

function checkUint53(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be an integer from 0 to 2^53-1, got ${String(value)}`);
  }
}

export class Pcg32 {
  /** u64 state then u64 increment, as little-endian u32 halves: the kernel's 16-byte layout. */
  private readonly words = new Uint32Array(4);

  /** pcg32_srandom(seed, stream): different streams give independent sequences for one seed. */
  constructor(seed: number, stream = 0) {
    checkUint53(seed, "seed");
    checkUint53(stream, "stream");
    this.run(16, (k, gen) =>
      k.pcg32Seed(gen, seed % TWO_POW_32, Math.floor(seed / TWO_POW_32), stream % TWO_POW_32, Math.floor(stream / TWO_POW_32)),
    );
  }

  /** An independent generator for a sub-task (a model, a fold), derived from this one's output. */
  derive(stream: number): Pcg32 {
    const [lo, hi] = this.fillUint32(2);
    return new Pcg32((hi! & 0x1fffff) * TWO_POW_32 + lo!, stream);
  }

  nextUint32(): number {
    return this.fillUint32(1)[0]!;
  }

  fillUint32(n: number): Uint32Array {
    checkCount(n);
    return this.run(n * 4, (k, gen, out) => k.pcg32FillUint32(gen, out, n), (buffer, out) => new Uint32Array(buffer, out, n).slice());
  }

  /** n uniform doubles in [0, 1), 53 random bits each. */
  fillFloat64(n: number): Float64Array {
    checkCount(n);
    return this.run(n * 8, (k, gen, out) => k.pcg32FillFloat64(gen, out, n), (buffer, out) => new Float64Array(buffer, out, n).slice());
  }

  /**
   * n standard normal doubles (Box-Muller in wasm: each pair uses two fillFloat64 draws; an odd n
   * drops the last sine). Identical on every engine, since the logarithm and cosine are the
   * kernel's own, not the host's Math.
   */
  fillNormal(n: number): Float64Array {
    checkCount(n);
    return this.run(n * 8, (k, gen, out) => k.pcg32FillNormal(gen, out, n), (buffer, out) => new Float64Array(buffer, out, n).slice());
  }

  /** Shuffles in place (Fisher-Yates) and returns the same array. */
  shuffle(items: Int32Array): Int32Array {
    const n = items.length;
    return this.run(
      n * 4,
      (k, gen, at) => {
        new Int32Array(k.memory.buffer, at, n).set(items);
        k.pcg32Shuffle(gen, at, n);
      },
      (buffer, at) => {
        items.set(new Int32Array(buffer, at, n));
        return items;
      },
    );
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    checkCount(n);
    const items = new Int32Array(n);
    for (let i = 0; i < n; i++) items[i] = i;
    return this.shuffle(items);
  }

  /** Copies the generator into wasm memory, runs the kernel, copies the advanced state back. */
  private run<T>(
    outBytes: number,
    call: (k: ReturnType<typeof kernels>, gen: number, out: number) => void,
    read?: (buffer: ArrayBuffer, out: number) => T,
  ): T {
    const k = kernels();
    const [gen, out] = scratch(16, outBytes) as [number, number];
    new Uint32Array(k.memory.buffer, gen, 4).set(this.words);
    call(k, gen, out);
    const buffer = k.memory.buffer;
    this.words.set(new Uint32Array(buffer, gen, 4));
    return read ? read(buffer, out) : (undefined as T);
  }
}

function checkCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`count must be a non-negative integer, got ${String(n)}`);
}
