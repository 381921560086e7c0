// Every defence by name: audit(), `mlleaks audit --defence`, `mlleaks train` and the docs list them from here.
import { dropoutDefence, noDefence } from "./basic.js";
import { labelOnlyDefence, outputRoundingDefence, outputTopKDefence } from "./output.js";
import { dpSgdDefence } from "./dp-sgd.js";
import { l2Defence, labelSmoothingDefence } from "./regularisation.js";
import { stackingDefence } from "./stacking.js";
import { adversarialRegularizationDefence, relaxLossDefence } from "./training-objectives.js";
import { memGuardDefence } from "./memguard.js";
import { hampDefence } from "./hamp.js";
import { earlyStoppingDefence } from "./early-stopping.js";
import type { Defence } from "./types.js";

export const DEFENCE_REGISTRY = [
  noDefence,
  dropoutDefence,
  stackingDefence,
  dpSgdDefence,
  labelSmoothingDefence,
  l2Defence,
  outputTopKDefence,
  outputRoundingDefence,
  labelOnlyDefence,
  adversarialRegularizationDefence,
  relaxLossDefence,
  memGuardDefence,
  hampDefence,
  earlyStoppingDefence,
] as const satisfies readonly Defence[];
export type DefenceName = (typeof DEFENCE_REGISTRY)[number]["name"];
export const DEFENCES = DEFENCE_REGISTRY.map((d) => d.name) as readonly DefenceName[];

export function defenceNamed(name: string): Defence {
  const defence = DEFENCE_REGISTRY.find((d) => d.name === name);
  if (!defence) throw new RangeError(`defences: expected some of ${DEFENCES.join(", ")}, got '${name}'`);
  return defence;
}
