// The target's own figures: accuracy on members (train) and non-members (test), and their gap.
import { correctness } from "../kernels/index.js";
import type { Posteriors } from "../types.js";

export function accuracy(p: Posteriors, labels: Int32Array): number {
  if (labels.length !== p.rows) throw new Error(`accuracy: ${labels.length} labels for ${p.rows} posterior rows`);
  const correct = correctness(p, labels);
  let sum = 0;
  for (let i = 0; i < correct.length; i++) sum += correct[i]!;
  return p.rows === 0 ? NaN : sum / p.rows;
}

export function targetAccuracy(members: Posteriors, membersLabels: Int32Array, nonMembers: Posteriors, nonMembersLabels: Int32Array) {
  const trainAccuracy = accuracy(members, membersLabels);
  const testAccuracy = accuracy(nonMembers, nonMembersLabels);
  return { trainAccuracy, testAccuracy, gap: trainAccuracy - testAccuracy };
}
