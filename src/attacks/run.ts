// Runs a strategy and measures it: the one path from scores to an AttackResult.
import { evaluateAttack } from "../metrics/evaluate.js";
import { sliceAttack } from "../metrics/slices.js";
import type { AttackContext, AttackInputData, AttackResult, AttackScores, AttackStrategy } from "./types.js";

export async function runAttack(strategy: AttackStrategy, target: AttackInputData, context: AttackContext, onScores?: (scores: AttackScores) => void): Promise<AttackResult> {
  const scores = await strategy.score(target, context);
  onScores?.(scores);
  const { metrics, roc } = evaluateAttack(strategy.name, scores, { ...context.statistics, seed: context.seed });
  const slices = sliceAttack(scores, target, metrics.statistics?.confidence);
  return { name: strategy.name, title: strategy.title, metrics, roc, ...(slices.length > 0 ? { slices } : {}) };
}
