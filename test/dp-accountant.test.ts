// The DP-SGD accountant against TensorFlow Privacy's published figures: its RDP and epsilon tests
// (rdp_accountant_test.py, compute_dp_sgd_privacy_test.py) and its MNIST tutorial's table.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { composedRdp, dpSgdEpsilon, epsilonFromRdp, logErfc, noiseMultiplierFor } from "../src/defences/dp-accountant.js";

const test = suite("dp-sgd accountant");

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} (within ${tolerance})`);

/** compute_dp_sgd_privacy_lib's orders. */
const LIB_ORDERS = [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...Array.from({ length: 59 }, (_, i) => 5 + i), 128, 256, 512];

test("log erfc: textbook values, and both tails", () => {
  close(Math.exp(logErfc(0.5)), 0.4795001221869535, 1e-15, "erfc(0.5)");
  close(Math.exp(logErfc(-1)), 1.8427007929497148, 1e-15, "erfc(-1)");
  close(Math.exp(logErfc(5)) / 1.5374597944280349e-12, 1, 1e-12, "erfc(5)");
  close(logErfc(20), -403.5693433341, 1e-8, "log erfc(20)");
});

test("RDP of the subsampled Gaussian: rdp_accountant_test.py's values", () => {
  close(composedRdp(0.1, 2, 10, [5])[0]!, 0.07737, 5e-6, "q 0.1, sigma 2, 10 steps, order 5");
  const expected = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307];
  composedRdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50, 100]).forEach((r, i) => close(r, expected[i]!, 1e-5, `order ${[1.5, 2.5, 5, 50, 100][i]}`));
  assert.is(composedRdp(0, 10, 1, [20])[0], 0, "no data");
  close(composedRdp(1, 10, 1, [20])[0]!, 0.1, 1e-15, "no sampling: alpha / (2 sigma^2)");
});

test("epsilon at delta: get_privacy_spent's tests", () => {
  const orders = Array.from({ length: 31 }, (_, i) => i + 2);
  const pure = epsilonFromRdp(orders, orders.map(() => 1.1), 1e-5);
  close(pure.epsilon, 1.32783806176, 1e-10, "constant RDP");
  assert.is(pure.order, 32);
  // A Gaussian scaled to give exactly (1, 1e-6)-DP.
  const fine = Array.from({ length: 9900 }, (_, i) => 1.01 + 0.01 * i);
  close(epsilonFromRdp(fine, composedRdp(1, 4.530877117, 1, fine), 1e-6).epsilon, 1, 1e-6, "Gaussian");
});

test("dp-sgd epsilon: compute_dp_sgd_privacy_test.py's cases, to 2 decimals and beyond", () => {
  const cases = [
    { records: 60000, batchSize: 150, noiseMultiplier: 1.3, epochs: 15, delta: 1e-5, epsilon: 0.7242234026109595, order: 19 },
    { records: 100000, batchSize: 100, noiseMultiplier: 1.0, epochs: 30, delta: 1e-7, epsilon: 1.4154988495444842, order: 13 },
  ];
  for (const c of cases) {
    const got = dpSgdEpsilon(c, { orders: LIB_ORDERS });
    close(got.epsilon, c.epsilon, 1e-9, `N ${c.records}, B ${c.batchSize}, sigma ${c.noiseMultiplier}`);
    assert.is(got.epsilon.toFixed(2), c.epsilon.toFixed(2));
    assert.is(got.order, c.order);
  }
});

test("dp-sgd epsilon: the MNIST DP-SGD tutorial's table (N 60000, batch 256, delta 1e-5, its accountant's conversion)", () => {
  // tutorials/README.md: noise 1.12 for 60 epochs -> 2.92; noise 1.2 for 10 epochs -> 1.20. The
  // tutorial counts epochs * 60000 // 256 steps and converts RDP the classic way.
  for (const [noiseMultiplier, epochs, published] of [[1.12, 60, 2.92], [1.2, 10, 1.2]] as const) {
    const steps = Math.floor((epochs * 60000) / 256);
    const got = dpSgdEpsilon({ records: 60000, batchSize: 256, noiseMultiplier, epochs, delta: 1e-5 }, { conversion: "classic", steps });
    assert.is(got.epsilon.toFixed(2), published.toFixed(2), `noise ${noiseMultiplier}, ${epochs} epochs: ${got.epsilon}`);
  }
  // The improved conversion (Opacus, dp_accounting) is tighter.
  const improved = dpSgdEpsilon({ records: 60000, batchSize: 256, noiseMultiplier: 1.1, epochs: 60, delta: 1e-5 });
  assert.ok(improved.epsilon < 3 && improved.epsilon > 2, `noise 1.1, 60 epochs: ${improved.epsilon}`);
});

test("--target-epsilon: the smallest noise multiplier that meets the target", () => {
  const schedule = { records: 60000, batchSize: 256, epochs: 60, delta: 1e-5 };
  const sigma = noiseMultiplierFor(3, schedule);
  assert.ok(dpSgdEpsilon({ ...schedule, noiseMultiplier: sigma }).epsilon <= 3);
  assert.ok(dpSgdEpsilon({ ...schedule, noiseMultiplier: sigma - 1e-3 }).epsilon > 3);
  assert.throws(() => noiseMultiplierFor(0, schedule), /target epsilon/);
  assert.throws(() => dpSgdEpsilon({ ...schedule, batchSize: 70000, noiseMultiplier: 1 }), /batch size/);
  assert.throws(() => dpSgdEpsilon({ ...schedule, noiseMultiplier: 1, delta: 0 }), /delta/);
});

test.run();
