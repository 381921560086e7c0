// The one-run audit of Steinke, Nasr and Jagielski (NeurIPS 2023) inside audit(): M canaries, records
// of the shadow parts (data the target never saw) with their labels flipped to a seeded random other
// class, so only memorisation can fit them; each goes into the target's training set with
// probability 1/2 by the seed. After training, the strongest attack that scores records one by one
// scores every canary, and the abstaining guesses on the top and bottom scores give the largest
// epsilon they prove at the report's confidence (src/metrics/epsilon.ts).
import type { AttackContext, AttackResult, AttackStrategy } from "./attacks/types.js";
import { subsetDataset, type Dataset } from "./datasets/index.js";
import { Pcg32 } from "./kernels/index.js";
import { oneRunAuditFromScores, type OneRunAudit } from "./metrics/epsilon.js";
import type { Posteriors } from "./types.js";
import { concatArrays } from "./util/concat.js";

export const CANARY_SOURCE = "records of the shadow parts (never in the target's own training part), labels flipped to a seeded random other class";

export interface CanaryPlan {
  /** The canaries as the target is asked about them (flipped labels). */
  readonly canaries: Dataset;
  /** 1 where the canary went into the target's training set. */
  readonly included: Uint8Array;
  /** The target's training set: its own part, then the included canaries. */
  readonly train: Dataset;
}

export function planCanaries(dataset: Dataset, targetTrain: Dataset, population: Int32Array, count: number, seed: number): CanaryPlan {
  if (!(Number.isInteger(count) && count >= 20 && count <= population.length)) {
    throw new RangeError(`canaries: expected an integer from 20 to ${population.length} (the shadow parts' records), got ${count}`);
  }
  if (dataset.numClasses < 2) throw new RangeError(`canaries: ${dataset.name} has one class, so no label can be flipped`);
  const rng = new Pcg32(seed, 0xca7a);
  const chosen = rng.shuffle(population.slice()).subarray(0, count).sort();
  const picked = subsetDataset(dataset, chosen, "canaries");
  const u = rng.fillFloat64(2 * count);
  const labels = Int32Array.from(picked.labels, (y, i) => (y + 1 + Math.floor(u[i]! * (dataset.numClasses - 1))) % dataset.numClasses);
  const included = Uint8Array.from({ length: count }, (_, i) => (u[count + i]! < 0.5 ? 1 : 0));
  const canaries: Dataset = { ...picked, labels };
  const width = dataset.recordShape.reduce((a, b) => a * b, 1);
  const rows = [...included.keys()].filter((i) => included[i] === 1);
  const train: Dataset = {
    ...targetTrain,
    features: concatArrays([targetTrain.features, ...rows.map((i) => canaries.features.subarray(i * width, (i + 1) * width))], (n) => new Float32Array(n)),
    labels: concatArrays([targetTrain.labels, Int32Array.from(rows, (i) => labels[i]!)], (n) => new Int32Array(n)),
  };
  return { canaries, included, train };
}

export interface CanaryAudit extends OneRunAudit {
  readonly attack: string;
  readonly source: string;
  readonly included: number;
}

const rowsOf = (p: Posteriors, rows: number[]): Posteriors => ({
  values: concatArrays(rows.map((r) => p.values.subarray(r * p.classes, (r + 1) * p.classes)), (n) => new Float32Array(n)),
  rows: rows.length,
  classes: p.classes,
});

/**
 * Scores the canaries with the attack of highest AUC among those that score each record on its own
 * (LiRA and RMIA need reference models trained with and without each record, which canaries lack).
 */
export async function auditCanaries(
  plan: readonly { readonly strategy: AttackStrategy; readonly context: Omit<AttackContext, "seed"> }[],
  results: readonly AttackResult[],
  answers: Posteriors,
  canaries: CanaryPlan,
  context: Pick<AttackContext, "seed" | "statistics">,
  delta: number,
  confidence: number,
): Promise<CanaryAudit | undefined> {
  let best = -1;
  plan.forEach(({ strategy }, i) => {
    if (strategy.name !== "lira" && strategy.name !== "rmia" && (best < 0 || results[i]!.metrics.auc > results[best]!.metrics.auc)) best = i;
  });
  if (best < 0) return undefined;
  const { strategy, context: own } = plan[best]!;
  const inRows = [...canaries.included.keys()].filter((i) => canaries.included[i] === 1);
  const outRows = [...canaries.included.keys()].filter((i) => canaries.included[i] === 0);
  if (inRows.length === 0 || outRows.length === 0) throw new Error(`canaries: the seed put ${inRows.length === 0 ? "none" : "all"} of the ${canaries.included.length} canaries into training; use more canaries`);
  const labels = canaries.canaries.labels;
  const scores = await strategy.score(
    { members: rowsOf(answers, inRows), nonMembers: rowsOf(answers, outRows), membersLabels: Int32Array.from(inRows, (i) => labels[i]!), nonMembersLabels: Int32Array.from(outRows, (i) => labels[i]!) },
    { ...own, ...context } as AttackContext,
  );
  const all = new Float64Array(canaries.included.length);
  inRows.forEach((r, k) => (all[r] = scores.members[k]!));
  outRows.forEach((r, k) => (all[r] = scores.nonMembers[k]!));
  const audit = oneRunAuditFromScores(all, canaries.included, delta, confidence);
  return { ...audit, attack: strategy.name, source: CANARY_SOURCE, included: inRows.length };
}
