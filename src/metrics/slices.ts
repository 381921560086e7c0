// Slices, as TensorFlow Privacy's SlicingSpec: the attack's scores measured again on subsets of the
// records (by true class, by whether the target classified them correctly, by loss quartile), so a
// leak confined to a few classes or to the misclassified records shows. Each partition's slices
// cover every record exactly once, so their counts sum to the whole.
import type { AttackInputData, AttackScores, Interval } from "../attacks/types.js";
import { correctness, crossEntropyLoss, rocAnalysis } from "../kernels/index.js";
import { round, roundInterval } from "./evaluate.js";
import { clopperPearson, delongInterval } from "./intervals.js";

export interface SliceResult {
  /** "class", "correct" or "loss quartile". */
  readonly by: string;
  /** "3", "correct" / "incorrect", "Q1 (lowest loss)" ... */
  readonly slice: string;
  readonly members: number;
  readonly nonMembers: number;
  /** Absent when the slice lacks members or non-members (or has fewer than two of either: no interval). */
  readonly auc?: number;
  readonly aucInterval?: Interval | null;
  readonly tprAt1PctFpr?: number;
  /** Clopper-Pearson; null when 1% FPR is below 1 / the slice's non-members. */
  readonly tprAt1PctFprInterval?: Interval | null;
}

function measure(by: string, slice: string, scores: AttackScores, memberRows: number[], nonMemberRows: number[], confidence: number): SliceResult {
  const base = { by, slice, members: memberRows.length, nonMembers: nonMemberRows.length };
  if (memberRows.length === 0 || nonMemberRows.length === 0) return base;
  const all = Float64Array.from([...memberRows.map((i) => scores.members[i]!), ...nonMemberRows.map((i) => scores.nonMembers[i]!)]);
  const isMember = new Uint8Array(all.length).fill(1, 0, memberRows.length);
  const roc = rocAnalysis(all, isMember, [0.01]);
  const N = nonMemberRows.length;
  let k = 0;
  for (let g = 0; g < roc.counts.tp.length && roc.counts.fp[g]! <= 0.01 * N; g++) k = roc.counts.tp[g]!;
  return {
    ...base,
    auc: roc.auc,
    aucInterval: roundInterval(delongInterval(roc.auc, roc.aucVariance, confidence)),
    tprAt1PctFpr: round(roc.tprAtFpr[0]!),
    tprAt1PctFprInterval: 0.01 * N < 1 ? null : roundInterval(clopperPearson(k, memberRows.length, confidence)),
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Every slice of every partition the inputs allow (class, correctness and loss need labels). */
export function sliceAttack(scores: AttackScores, target: AttackInputData, confidence = 0.95): SliceResult[] {
  const { membersLabels: ml, nonMembersLabels: nl } = target;
  if (!ml || !nl) return [];
  const out: SliceResult[] = [];
  for (let c = 0; c < target.members.classes; c++) {
    out.push(measure("class", String(c), scores, range(ml.length).filter((i) => ml[i] === c), range(nl.length).filter((i) => nl[i] === c), confidence));
  }
  const mc = correctness(target.members, ml);
  const nc = correctness(target.nonMembers, nl);
  for (const [name, flag] of [["correct", 1], ["incorrect", 0]] as const) {
    out.push(measure("correct", name, scores, range(mc.length).filter((i) => mc[i] === flag), range(nc.length).filter((i) => nc[i] === flag), confidence));
  }
  // Loss quartiles over all records together, so a slice holds the same loss range on both sides.
  const ml2 = crossEntropyLoss(target.members, ml);
  const nl2 = crossEntropyLoss(target.nonMembers, nl);
  const losses = Float64Array.from([...ml2, ...nl2]).sort();
  const cut = [0.25, 0.5, 0.75].map((q) => losses[Math.floor(q * (losses.length - 1))]!);
  const quartile = (x: number) => cut.filter((c) => x > c).length;
  const names = ["Q1 (lowest loss)", "Q2", "Q3", "Q4 (highest loss)"];
  for (let q = 0; q < 4; q++) {
    out.push(measure("loss quartile", names[q]!, scores, range(ml2.length).filter((i) => quartile(ml2[i]!) === q), range(nl2.length).filter((i) => quartile(nl2[i]!) === q), confidence));
  }
  return out;
}

/** The slice with the highest AUC among those with at least 10 members and 10 non-members. */
export function worstSlice(slices: readonly SliceResult[]): SliceResult | undefined {
  return slices.filter((s) => s.auc !== undefined && s.members >= 10 && s.nonMembers >= 10).reduce<SliceResult | undefined>((w, s) => (!w || s.auc! > w.auc! ? s : w), undefined);
}
