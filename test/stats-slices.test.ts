// Slices: each partition (class, correct/incorrect, loss quartile) covers every record exactly once,
// and a slice's AUC is the AUC of its own records.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { auc, initKernels, Pcg32 } from "../src/kernels/index.js";
import { sliceAttack, worstSlice } from "../src/metrics/slices.js";
import { randomPosteriors } from "./kernels-fixtures.js";

const test = suite("statistics: slices");
test.before(async () => {
  await initKernels();
});

test("slices sum to the whole and measure their own records", () => {
  const rng = new Pcg32(8);
  const rows = 400;
  const classes = 4;
  const members = randomPosteriors(rng, rows, classes, 6);
  const nonMembers = randomPosteriors(rng, rows, classes, 3);
  const membersLabels = Int32Array.from(rng.fillUint32(rows), (x) => x % classes);
  const nonMembersLabels = Int32Array.from(rng.fillUint32(rows), (x) => x % classes);
  const scores = { members: Float64Array.from(rng.fillNormal(rows), (x) => x + 0.5), nonMembers: rng.fillNormal(rows), threshold: 0, thresholdRule: "score >= 0" };
  const slices = sliceAttack(scores, { members, nonMembers, membersLabels, nonMembersLabels });
  for (const by of ["class", "correct", "loss quartile"]) {
    const part = slices.filter((s) => s.by === by);
    assert.ok(part.length >= 2, `${by}: several slices`);
    assert.is(part.reduce((s, x) => s + x.members, 0), rows, `${by}: members sum to the whole`);
    assert.is(part.reduce((s, x) => s + x.nonMembers, 0), rows, `${by}: non-members sum to the whole`);
  }
  const class2 = slices.find((s) => s.by === "class" && s.slice === "2")!;
  const m = scores.members.filter((_, i) => membersLabels[i] === 2);
  const n = scores.nonMembers.filter((_, i) => nonMembersLabels[i] === 2);
  const direct = auc(Float64Array.from([...m, ...n]), new Uint8Array(m.length + n.length).fill(1, 0, m.length));
  assert.is(class2.auc, direct);
  assert.ok(class2.aucInterval && class2.aucInterval[0] <= direct && direct <= class2.aucInterval[1]);
  const worst = worstSlice(slices)!;
  assert.ok(slices.every((s) => s.auc === undefined || s.members < 10 || s.nonMembers < 10 || s.auc <= worst.auc!));
  assert.equal(sliceAttack(scores, { members, nonMembers }), [], "no labels, no slices");
});

test.run();
