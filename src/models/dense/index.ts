// The fused dense engine: importing this module registers it as createClassifier's engine "fused".
import { registerEngine } from "../create.js";
import { FusedDenseClassifier } from "./classifier.js";

registerEngine("fused", (kind, spec) => FusedDenseClassifier.create(kind, spec));

export { FusedDenseClassifier } from "./classifier.js";
export { FusedDenseTrainer } from "./network.js";
export { ReferenceDenseTrainer, referenceTanh } from "./reference.js";
export { denseLayers, isDenseKind, DENSE_HIDDEN, type DenseKind, type DenseLayerSpec } from "./architecture.js";
export { trainLoop, ADAM_DEFAULTS, type DenseTrainer } from "./trainer.js";
