// mlleaks: membership-inference auditing that runs the same in Node, Deno and browsers.
export * from "./kernels/index.js";
export type { Posteriors, LabeledData, PosteriorModel } from "./types.js";
export { sha256Hex, sha256OfArrays } from "./util/sha256.js";
export type { Classifier, ClassifierFactory, Engine, EpochInfo, ModelKind, ModelSpec, TrainOptions, TrainSummary } from "./models/types.js";
export { createClassifier, registerEngine } from "./models/create.js";
export * from "./datasets/index.js";
import "./models/engines.js";
export { FusedDenseClassifier } from "./models/dense/index.js";
export { trainInParallel, trainSequentially, runTrainingJob, serveTrainingJobs, TrainingPool } from "./models/parallel.js";
export type { TrainingJob, TrainingResult, WorkerAdapter, WorkerHandle, ParallelOptions, BatchOptions } from "./models/parallel.js";
