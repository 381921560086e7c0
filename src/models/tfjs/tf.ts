// The tfjs API mlleaks uses, from the split packages it depends on instead of the @tensorflow/tfjs
// umbrella (which also installs the webgl backend, tfjs-data and its own bundles: ~167 MB that
// mlleaks never loads). Ops and tensors from tfjs-core, models and layers from tfjs-layers,
// GraphModel loading from tfjs-converter; the wasm backend is started in ../backend.ts.
export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
export { GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
