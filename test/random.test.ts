import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { ReferencePcg32 } from "../src/kernels/reference/random.js";

const random = suite("pcg32");
random.before(async () => {
  await initKernels();
});

random("matches the published pcg32-demo vectors (seed 42, stream 54)", () => {
  // pcg-c-basic's pcg32-demo prints these as round 1's first six 32-bit outputs.
  const expected = [0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e];
  assert.equal(Array.from(new Pcg32(42, 54).fillUint32(6)), expected);
  const reference = new ReferencePcg32(42, 54);
  assert.equal(expected.map(() => reference.nextUint32()), expected);
});

random("kernel equals the BigInt reference: integers, doubles, shuffles, large seeds", () => {
  for (const [seed, stream] of [[0, 0], [1, 1], [2 ** 53 - 1, 2 ** 40 + 3], [123456789, 7]] as const) {
    const fast = new Pcg32(seed, stream);
    const ref = new ReferencePcg32(BigInt(seed), BigInt(stream));
    assert.equal(Array.from(fast.fillUint32(1000)), Array.from({ length: 1000 }, () => ref.nextUint32()));
    assert.equal(Array.from(fast.fillFloat64(500)), Array.from({ length: 500 }, () => ref.nextFloat64()));
    const items = Int32Array.from({ length: 257 }, (_, i) => i);
    assert.equal(Array.from(fast.shuffle(items.slice())), Array.from(ref.shuffle(items.slice())));
    assert.is(fast.nextUint32(), ref.nextUint32(), "state advances identically");
  }
});

random("permutations are permutations; doubles lie in [0, 1)", () => {
  const rng = new Pcg32(7);
  for (const n of [0, 1, 2, 10, 1001]) {
    const p = rng.permutation(n);
    assert.equal(Array.from(p).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  }
  const xs = rng.fillFloat64(10000);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
});

random("derive gives reproducible, distinct streams", () => {
  const a = new Pcg32(5).derive(1).fillUint32(4);
  const b = new Pcg32(5).derive(1).fillUint32(4);
  const c = new Pcg32(5).derive(2).fillUint32(4);
  assert.equal(Array.from(a), Array.from(b));
  assert.not.equal(Array.from(a), Array.from(c));
});

random("bad seeds and counts are named in the error", () => {
  assert.throws(() => new Pcg32(-1), /seed must be an integer/);
  assert.throws(() => new Pcg32(1.5), /seed must be an integer/);
  assert.throws(() => new Pcg32(1, NaN), /stream must be an integer/);
  assert.throws(() => new Pcg32(1).fillUint32(-3), /count must be a non-negative integer/);
});

random.run();
