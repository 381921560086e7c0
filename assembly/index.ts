// Every kernel the TypeScript side can call. One function per job; inputs and outputs are raw
// pointers into linear memory that src/kernels/wasm.ts lays out above heapBase().
export { heapBase } from "./memory";
export { pcg32Seed, pcg32FillUint32, pcg32FillFloat64, pcg32Shuffle, pcg32FillNormal } from "./random";
export { topK, maxPosterior, entropy, modifiedEntropy, crossEntropyLoss, correctness, sumValues } from "./posteriors";
export { sortWorkBytes, rocSweep, percentile, confusionCounts, aucVariance } from "./roc";
export {
  denseGemm, denseBiasActivation, denseTranspose, denseGather, denseDropout, denseSoftmaxCrossEntropy,
  denseColumnSums, denseAddScaled, denseSumSquares, denseActivationBackward, denseAdam, denseGlorotUniform,
  denseTanh, denseSparseListBytes, denseSparseList, denseSparseTranspose, denseSparseGemm, denseCountNonzero, densePerExampleNormSquares, denseClipFactors, denseScaleRows, denseAddGaussianNoise, densePoissonSample,
} from "./dense";
