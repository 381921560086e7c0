// Plain TypeScript PCG32 with BigInt arithmetic: the reference the wasm kernel must equal.
const MASK64 = (1n << 64n) - 1n;
const MULTIPLIER = 6364136223846793005n;

export class ReferencePcg32 {
  private state = 0n;
  private readonly increment: bigint;

  constructor(seed: number | bigint, stream: number | bigint = 0) {
    this.increment = ((BigInt(stream) << 1n) | 1n) & MASK64;
    this.nextUint32();
    this.state = (this.state + BigInt(seed)) & MASK64;
    this.nextUint32();
  }

  nextUint32(): number {
    const old = this.state;
    this.state = (old * MULTIPLIER + this.increment) & MASK64;
    const xorshifted = Number(((old >> 18n) ^ old) >> 27n & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }

  nextFloat64(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A pair of standard normals by Box-Muller, as the kernel computes them (with the host's Math). */
  nextNormalPair(): [number, number] {
    const u1 = this.nextFloat64();
    const u2 = this.nextFloat64();
    const r = Math.sqrt(-2 * Math.log(1 - u1));
    const theta = 6.283185307179586 * u2;
    return [r * Math.cos(theta), r * Math.sin(theta)];
  }

  bounded(bound: number): number {
    const threshold = (0x100000000 - bound) % bound;
    for (;;) {
      const r = this.nextUint32();
      if (r >= threshold) return r % bound;
    }
  }

  shuffle(items: Int32Array): Int32Array {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.bounded(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}
