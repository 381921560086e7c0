// Models: createClassifier(kind, spec) for every engine, the tfjs backend set-up, stacking.
export { createClassifier, registerEngine } from "./create.js";
export { initModelBackend, type ModelBackendInfo, type ModelBackendOptions } from "./backend.js";
export { architecture, HIDDEN_UNITS, type LayerSpec } from "./architectures.js";
export { glorotUniform, dropoutMask, RNG_STREAM } from "./init.js";
export { TfjsClassifier, TfjsPosteriorModel } from "./tfjs/classifier.js";
export * from "./types.js";
export { createStackedClassifier, defaultBaseKinds, stackPosteriorModels, StackedClassifier, type StackingSpec } from "../defences/stacking.js";
export { layersModelFiles, loadLayersPosteriorModel, WEIGHTS_FILE, type SavedModelFiles } from "./tfjs/io.js";
