// Opens any model spec from Node: the core decides what the spec names (src/targets/open.ts), the
// file system is asked here, and each source opens it (ONNX, tfjs, `mlleaks train`, endpoints).
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { openEndpointModel, type EndpointOptions } from "../../targets/endpoint.js";
import type { OnnxModelOptions } from "../../targets/onnx.js";
import { classifyModelSpec, type ModelSpecProbe } from "../../targets/open.js";
import { openTfjsModelUrl } from "../../targets/tfjs.js";
import type { OutputChoice, TargetModel } from "../../targets/types.js";
import { nodeEndpointCache } from "./endpoint-cache.js";
import { openMlleaksModel, openOnnxModelFile, openTfjsModelFile } from "./targets.js";

export const nodeModelSpecProbe: ModelSpecProbe = {
  isDirectory: async (path) => (await stat(path).catch(() => undefined))?.isDirectory() === true,
  isFile: async (path) => (await stat(path).catch(() => undefined))?.isFile() === true,
  join,
};

export interface OpenModelOptions {
  readonly output?: OutputChoice;
  readonly inputName?: string;
  readonly outputName?: string;
  /** Records per model call or per endpoint request. */
  readonly batchSize?: number;
  /** Endpoints: most records ever sent. */
  readonly maxQueries?: number;
  /** Endpoints: where answers are cached by record hash, so an interrupted audit resumes. */
  readonly cacheDir?: string;
  readonly onEndpointProgress?: EndpointOptions["onProgress"];
}

/** The model `spec` names (see MODEL_SPEC_FORMS), opened. */
export async function openModelSpec(spec: string, options: OpenModelOptions = {}): Promise<TargetModel> {
  const { kind, location } = await classifyModelSpec(spec, nodeModelSpecProbe);
  const common = {
    ...(options.output ? { output: options.output } : {}),
    ...(options.inputName ? { inputName: options.inputName } : {}),
    ...(options.outputName ? { outputName: options.outputName } : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
  };
  switch (kind) {
    case "onnx":
      return openOnnxModelFile(location, common satisfies OnnxModelOptions);
    case "tfjs":
      return openTfjsModelFile(location, common);
    case "mlleaks":
      return openMlleaksModel(location);
    case "tfjs-url":
      return openTfjsModelUrl(location, common);
    case "endpoint":
      return openEndpointModel(location, {
        ...common,
        ...(options.maxQueries ? { maxQueries: options.maxQueries } : {}),
        ...(options.cacheDir ? { cache: nodeEndpointCache(options.cacheDir) } : {}),
        ...(options.onEndpointProgress ? { onProgress: options.onEndpointProgress } : {}),
      });
  }
}
