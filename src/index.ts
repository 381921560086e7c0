// mlleaks: membership-inference auditing that runs the same in Node, Deno and browsers.
export * from "./kernels/index.js";
export type { Posteriors, LabeledData, PosteriorModel } from "./types.js";
export { sha256Hex, sha256OfArrays } from "./util/sha256.js";
export type { BuiltInModelKind, Classifier, ClassifierFactory, Engine, EpochInfo, ModelKind, ModelSpec, TrainOptions, TrainSummary } from "./models/types.js";
export { createClassifier, registerEngine } from "./models/create.js";
export * from "./datasets/index.js";
import "./models/engines.js";
export { FusedDenseClassifier } from "./models/dense/index.js";
export { trainInParallel, trainSequentially, runTrainingJob, serveTrainingJobs, TrainingPool } from "./models/parallel.js";
export type { TrainingJob, TrainingResult, WorkerAdapter, WorkerHandle, ParallelOptions, BatchOptions } from "./models/parallel.js";
export { audit, resolveAuditConfig, trainingJob, attackModelTrainer, defaultModel, engineFor, AUDIT_DEFAULTS, EXTRA_ATTACKS, DEFENCES } from "./audit.js";
export type { AuditOptions, AuditProgress, AuditConfig, Adversary, Defence, ExtraAttack, EngineChoice, JobRunner, Query } from "./audit.js";
export { memGuard, hampLabelSmoothing, rankPreserving, validationSplit, MEMGUARD_DEFAULTS, HAMP_DEFAULTS, EARLY_STOPPING_DEFAULTS, type MemGuardSettings, type HampSettings, type EarlyStoppingDefenceSettings } from "./defences/index.js";
export type { EarlyStoppingSettings } from "./models/early-stopping.js";
export { auditPosteriors, auditLosses, normalizePosteriorsInput, posteriorAttack, validateAttackInput, POSTERIOR_ATTACKS, type PosteriorsAuditOptions, type LossesAuditOptions, type PosteriorAttackName } from "./audit-posteriors.js";
export * from "./attacks/index.js";
export { liraAttack, rmiaAttack, normalQuantile, scaledLogit } from "./attacks/lira.js";
export { noiseRecords, dataNoiseRecords, DEFAULT_NOISE_QUERIES, NOISE_RULES, type NoiseRule } from "./attacks/noise.js";
export { labelOnlyBoundaryAttack, boundaryDistances, boundarySearch, predictedLabels, DEFAULT_MAX_QUERIES, type BoundaryQueries, type BoundaryDistances } from "./attacks/boundary.js";
export { liraAugmentations, augmentImages, checkAugmentable, type ImageAugmentation } from "./attacks/lira-augment.js";
export { DEFAULT_MODEL_ATTACKS } from "./audit.js";
export { evaluateAttack, downsampleRoc, membershipVectors } from "./metrics/evaluate.js";
export { accuracy, targetAccuracy } from "./metrics/accuracy.js";
export { buildReportDocument, canonicalJson, fingerprintReport, serializeReport } from "./report/json.js";
export { renderReportHtml } from "./report/html.js";
export { formatResultsTable } from "./report/table.js";
export type { AuditReport, AuditRun, DatasetSummary, ReportDocument, TargetSummary } from "./report/types.js";
export { readRecords, readLabels, recordFormat, toLabeledData, parseCsv, parseNpz, RECORD_FILE_TYPES, type ColumnRef, type LabelsSource, type ReadRecordsOptions, type RecordTable, type RecordFormat } from "./records/index.js";
export { toPosteriorMatrix, toLabelVector, toNumberVector, type PosteriorsLike, type LabelsLike } from "./attacks/plain-input.js";
// Target models (the user's model to audit): ONNX through onnxruntime-web, tfjs model.json from a
// reader or a URL. Files (and `mlleaks train` output) open through "mlleaks/node/targets".
export type { TargetModel, TargetSource, OutputKind, OutputChoice } from "./targets/types.js";
export { toPosteriors, looksLikeProbabilities } from "./targets/output.js";
export { checkRecordShape } from "./targets/shape.js";
export { openOnnxModel, ONNX_DEFAULT_BATCH_SIZE, type OnnxModelOptions } from "./targets/onnx.js";
export { openTfjsModel, openTfjsModelUrl, TFJS_DEFAULT_BATCH_SIZE, type TfjsModelOptions, type ModelFileReader } from "./targets/tfjs.js";
export { LayersTopologyClassifier } from "./models/tfjs/classifier.js";
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
export { perRecordTable, perRecordCsv, perRecordParquet, mostExposed, descendingRanks, type PerRecordRun, type PerRecordTable, type ExposedRecord } from "./metrics/per-record.js";
