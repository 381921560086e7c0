// "mlleaks/node/targets": target models from files on Node (and Deno's Node APIs), and the model
// directories `mlleaks train` writes.
export { openOnnxModelFile, openTfjsModelFile, openMlleaksModel } from "./targets.js";
export { loadModel, saveModel, loadModelParts, type LoadedModelParts } from "./models.js";
