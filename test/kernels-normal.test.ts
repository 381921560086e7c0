import { suite } from "uvu";
import * as assert from "uvu/assert";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { ReferencePcg32 } from "../src/kernels/reference/random.js";
import { sha256Hex } from "../src/util/sha256.js";
import { assertClose } from "./kernels-fixtures.js";

const test = suite("pcg32 normals");
test.before(async () => {
  await initKernels();
});

test("fillNormal equals the reference Box-Muller (to the host Math's last bits) and keeps the stream in step", () => {
  for (const [seed, stream, n] of [[1, 0, 1000], [99, 3, 7], [2 ** 40, 1, 1]] as const) {
    const fast = new Pcg32(seed, stream);
    const ref = new ReferencePcg32(seed, stream);
    const expected: number[] = [];
    while (expected.length < n) expected.push(...ref.nextNormalPair());
    assertClose(fast.fillNormal(n), expected.slice(0, n), `seed ${seed}`, 1e-13);
    assert.is(fast.nextUint32(), ref.nextUint32(), "an odd n still uses a whole pair");
  }
});

test("fillNormal gives the same bits on every engine and looks standard normal", async () => {
  const z = new Pcg32(7).fillNormal(100000);
  assert.is(await sha256Hex(z.subarray(0, 1000)), "eacbdb1c38b59cb76712d8ffaac560dc5fe5fd50c55284c9be21d4bed0fdf09a");
  let sum = 0;
  let squares = 0;
  for (const x of z) {
    sum += x;
    squares += x * x;
  }
  const mean = sum / z.length;
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(squares / z.length - mean * mean - 1) < 0.02, "variance near 1");
  assert.equal(Array.from(new Pcg32(7).fillNormal(0)), []);
});

test.run();
