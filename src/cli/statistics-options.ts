// The statistics options every auditing command shares: --confidence, --delta, --balance.
import type { StatisticsOptions } from "../attacks/types.js";
import { STATISTICS_DEFAULTS } from "../metrics/evaluate.js";
import { UsageError, type OptionSpec, type OptionValues } from "./args.js";

export const STATISTICS_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  confidence: { type: "number", valueName: "C", default: STATISTICS_DEFAULTS.confidence, description: "confidence level of every interval and epsilon bound" },
  delta: { type: "number", valueName: "D", default: STATISTICS_DEFAULTS.delta, description: "delta of the (epsilon, delta) lower bounds" },
  balance: { type: "boolean", description: "subsample the larger of members / non-members to the smaller's size (seeded) before measuring" },
};

export function statisticsFrom(command: string, options: OptionValues): StatisticsOptions & { confidence: number; delta: number; balance: boolean } {
  const confidence = options.confidence as number;
  const delta = options.delta as number;
  if (!(confidence > 0 && confidence < 1)) throw new UsageError(`mlleaks ${command}: --confidence expects a number strictly between 0 and 1 (e.g. 0.95), got ${confidence}`);
  if (!(delta >= 0 && delta < 1)) throw new UsageError(`mlleaks ${command}: --delta expects a number from 0 (inclusive) to 1 (exclusive), got ${delta}`);
  return { confidence, delta, balance: options.balance === true };
}
