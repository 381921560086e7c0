// Defences: the contract (types.ts), the registry by name, and each defence.
export * from "./types.js";
export { DEFENCE_REGISTRY, DEFENCES, defenceNamed, type DefenceName } from "./registry.js";
export { noDefence, dropoutDefence } from "./basic.js";
export { labelOnly, roundedTo, topKOnly, labelOnlyDefence, outputRoundingDefence, outputTopKDefence } from "./output.js";
export { createStackedClassifier, defaultBaseKinds, stackPosteriorModels, StackedClassifier, stackingDefence, stackingFeatures, stackingPlan, STACKING_META_LEARNING_RATE, type StackingSpec } from "./stacking.js";
export { dpSgdDefence, DP_SGD_DEFAULTS, type DpSgdDefenceSettings } from "./dp-sgd.js";
export { l2Defence, labelSmoothingDefence } from "./regularisation.js";
export * from "./dp-accountant.js";
export { adversarialRegularizationDefence, relaxLossDefence, TRAINING_OBJECTIVE_DEFAULTS } from "./training-objectives.js";
export { memGuard, memGuardDefence, MEMGUARD_DEFAULTS, MEMGUARD_SEARCH, type DefenceClassifier, type MemGuardSettings } from "./memguard.js";
export { hampDefence, hampLabelSmoothing, rankPreserving, uniformSamples, HAMP_DEFAULTS, type HampSettings } from "./hamp.js";
export { earlyStoppingDefence, validationSplit, EARLY_STOPPING_DEFAULTS, type EarlyStoppingDefenceSettings } from "./early-stopping.js";
