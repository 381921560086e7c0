// Attack strategies: one interface (types.ts), interchangeable implementations.
export * from "./types.js";
export { DEFAULT_TOP_PERCENTILE, maxPosteriorAttack, entropyAttack, lossAttack, modifiedEntropyAttack, correctnessAttack } from "./metric.js";
export { DEFAULT_TOP_K, topKShadowAttack, shokriAttack } from "./shadow.js";
export { parsePosteriorFile, parsePosteriorCsv, parsePosteriorJson, checkPosteriors, readOutputFile, type PosteriorFile, type ModelOutputFile, type OutputFileOptions, type OutputFileKind } from "./posterior-files.js";
export { runAttack } from "./run.js";
