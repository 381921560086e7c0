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
export { audit, resolveAuditConfig, trainingJob, attackModelTrainer, defaultModel, engineFor, AUDIT_DEFAULTS, EXTRA_ATTACKS, DEFENCES } from "./audit.js";
export type { AuditOptions, AuditProgress, AuditConfig, Adversary, Defence, ExtraAttack, EngineChoice, JobRunner, Query } from "./audit.js";
export { auditPosteriors, posteriorAttack, validateAttackInput, POSTERIOR_ATTACKS, type PosteriorsAuditOptions, type PosteriorAttackName } from "./audit-posteriors.js";
export * from "./attacks/index.js";
export { liraAttack, rmiaAttack, normalQuantile, scaledLogit } from "./attacks/lira.js";
export { noiseRecords, DEFAULT_NOISE_QUERIES } from "./attacks/noise.js";
export { evaluateAttack, downsampleRoc, membershipVectors } from "./metrics/evaluate.js";
export { accuracy, targetAccuracy } from "./metrics/accuracy.js";
export { buildReportDocument, canonicalJson, fingerprintReport, serializeReport } from "./report/json.js";
export { renderReportHtml } from "./report/html.js";
export { formatResultsTable } from "./report/table.js";
export type { AuditReport, AuditRun, DatasetSummary, ReportDocument, TargetSummary } from "./report/types.js";
export {
  openEndpointModel,
  resolveEndpoint,
  memoryEndpointCache,
  parseRetryAfter,
  ENDPOINT_DEFAULTS,
  EndpointError,
  EndpointHttpError,
  EndpointTimeoutError,
  EndpointNetworkError,
  EndpointMalformedError,
  EndpointShapeError,
  EndpointInputError,
  EndpointNonFiniteError,
  EndpointBudgetError,
} from "./targets/endpoint.js";
export type { EndpointOptions, EndpointModel, EndpointCache, EndpointProgress, EndpointProtocol, EndpointAddress } from "./targets/endpoint.js";
