import { suite } from "uvu";
import * as assert from "uvu/assert";
import { assertDisjoint, mlLeaksSplit, SPLIT_PARTS, type Dataset } from "../src/datasets/index.js";
import { initKernels } from "../src/kernels/index.js";
import { sha256OfArrays } from "../src/util/sha256.js";

const split = suite("datasets: ML-Leaks split");
split.before(async () => {
  await initKernels();
});

function toy(n: number, width = 3): Dataset {
  return {
    name: "toy",
    features: Float32Array.from({ length: n * width }, (_, i) => i),
    recordShape: [width],
    labels: Int32Array.from({ length: n }, (_, i) => i % 4),
    numClasses: 4,
    classNames: ["a", "b", "c", "d"],
    kind: "tabular",
    featureKind: "standardized",
    provenance: "test records",
  };
}

split("four disjoint equal quarters by default; records carried with their labels", () => {
  const d = toy(103);
  const s = mlLeaksSplit(d, { seed: 5 });
  assert.is(s.partSize, 25);
  const seen = new Set<number>();
  for (const part of SPLIT_PARTS) {
    const idx = s.indices[part];
    const data = s[part];
    assert.is(idx.length, 25);
    assert.is(data.labels.length, 25);
    assert.is(data.name, `toy/${part.replace(/[A-Z]/, (c) => `-${c.toLowerCase()}`)}`);
    for (let r = 0; r < idx.length; r++) {
      const i = idx[r]!;
      assert.ok(!seen.has(i), `record ${i} in two parts`);
      seen.add(i);
      if (r > 0) assert.ok(idx[r - 1]! < i, "indices ascending");
      assert.is(data.labels[r], d.labels[i]);
      assert.equal(Array.from(data.features.subarray(r * 3, r * 3 + 3)), [3 * i, 3 * i + 1, 3 * i + 2]);
    }
  }
  assert.is(seen.size, 100);
});

split("deterministic: the same seed gives the same parts (hash pinned), another seed differs", async () => {
  const a = mlLeaksSplit(toy(1000), { seed: 42 });
  const b = mlLeaksSplit(toy(1000), { seed: 42 });
  const c = mlLeaksSplit(toy(1000), { seed: 43 });
  const hash = (s: typeof a) => sha256OfArrays(SPLIT_PARTS.map((p) => s.indices[p]));
  assert.is(await hash(a), await hash(b));
  assert.is.not(await hash(a), await hash(c));
  // Pinned: Node and Deno (and browsers) must all draw this split for seed 42.
  assert.is(await hash(a), "02a2de037d5a800287a47dbf8f18b7ca9173702a673c8d424da278a9076ee3df");
});

split("partSize is configurable; more than a quarter of the records is an error naming the limit", () => {
  const s = mlLeaksSplit(toy(100), { seed: 1, partSize: 10 });
  for (const part of SPLIT_PARTS) assert.is(s.indices[part].length, 10);
  assert.throws(() => mlLeaksSplit(toy(100), { seed: 1, partSize: 26 }), /need 104, but toy has only 100 \(use partSize <= 25\)/);
  assert.throws(() => mlLeaksSplit(toy(100), { seed: 1, partSize: 0 }), /partSize must be a positive integer/);
  assert.throws(() => mlLeaksSplit(toy(3), { seed: 1 }), /partSize must be a positive integer, got 0/);
  assert.throws(() => mlLeaksSplit(toy(100), { seed: -1 }), /seed must be an integer/);
});

split("assertDisjoint catches overlap and out-of-range indices", () => {
  assert.throws(() => assertDisjoint({ a: Int32Array.of(1, 2), b: Int32Array.of(2) }, 5), /record 2 is in a and b/);
  assert.throws(() => assertDisjoint({ a: Int32Array.of(5) }, 5), /outside 0..4/);
  assertDisjoint({ a: Int32Array.of(0, 1), b: Int32Array.of(2) }, 3);
});

split.run();
