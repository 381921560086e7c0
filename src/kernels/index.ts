// Typed wrappers over the AssemblyScript kernels. Call `await initKernels()` once first.
export { initKernels, type KernelsSource } from "./wasm.js";
export { Pcg32 } from "./random.js";
export {
  topK,
  maxPosterior,
  entropy,
  modifiedEntropy,
  crossEntropyLoss,
  correctness,
  allocatePosteriors,
  ROW_SUM_TOLERANCE,
} from "./posteriors.js";
export type { WasmPosteriors } from "./posteriors.js";
export { rocCurve, auc, aucWithVariance, tprAtFpr, attackerAdvantage, rocAnalysis, confusionAt, percentile } from "./roc.js";
export type { Scores, RocCurve, RocAnalysis, RocCounts, AucWithVariance, Confusion } from "./roc.js";
