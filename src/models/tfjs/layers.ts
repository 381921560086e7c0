// Model kind "layers": the architecture of a user's tfjs LayersModel, rebuilt from its topology
// (model.json's modelTopology) so shadow and reference models copy the target's architecture.
// Every initializer in the topology becomes Zeros (weights are then drawn from Pcg32 by the
// classifier, never by tfjs's unseeded initializers) and the output layer's softmax becomes
// linear: training needs the logits; predict() softmaxes them in float64.
import * as tf from "./tf.js";

/** Layers whose training and inference behave alike, or (dropout) that the seeded trainer runs as
 *  identity: normalisation layers (moving statistics) and unseeded noise layers are refused. */
const SUPPORTED_LAYERS = new Set([
  "InputLayer", "Dense", "Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling1D", "MaxPooling2D",
  "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
  "GlobalMaxPooling2D", "Flatten", "Reshape", "Permute", "Activation", "ZeroPadding2D", "Cropping2D", "Dropout",
  "Add", "Concatenate", "Multiply", "Average",
]);

interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

interface ModelConfigJson {
  class_name: string;
  config: { layers?: LayerJson[]; output_layers?: unknown[][] } & Record<string, unknown>;
}

/** The topology's model config: model.save writes it at the top, the Keras converter under model_config. */
function modelConfig(topology: unknown): ModelConfigJson {
  const t = topology as { model_config?: unknown; class_name?: unknown; config?: { layers?: unknown } } | null;
  const config = (t && typeof t === "object" && t.model_config ? t.model_config : t) as ModelConfigJson | null;
  if (!config || typeof config !== "object" || typeof config.class_name !== "string" || !Array.isArray(config.config?.layers)) {
    throw new Error("topology: expected a tfjs LayersModel topology (model.json's modelTopology with class_name and config.layers)");
  }
  return config;
}

/** The layer whose activation is the model's output activation. */
function outputLayer(config: ModelConfigJson): LayerJson {
  const layers = config.config.layers!;
  const outputs = config.config.output_layers;
  if (config.class_name !== "Sequential" && Array.isArray(outputs)) {
    if (outputs.length !== 1) throw new Error(`topology: the model has ${outputs.length} outputs; expected one (class scores)`);
    const name = outputs[0]![0];
    const found = layers.find((l) => l.config["name"] === name);
    if (!found) throw new Error(`topology: output layer '${String(name)}' is not among the layers`);
    return found;
  }
  return layers[layers.length - 1]!;
}

/**
 * The topology with seeded-weight-ready initializers and a logits output; throws on layers the
 * seeded trainer cannot run faithfully. Returns the JSON to build, and the output's activation.
 */
export function logitsTopology(topology: unknown): { topology: object; outputActivation: "softmax" | "linear" } {
  const original = modelConfig(topology);
  const config = JSON.parse(JSON.stringify(original)) as ModelConfigJson;
  for (const layer of config.config.layers!) {
    if (!SUPPORTED_LAYERS.has(layer.class_name)) {
      throw new Error(`topology: layer '${String(layer.config["name"])}' is a ${layer.class_name}; layers the seeded trainer can rebuild: ${[...SUPPORTED_LAYERS].join(", ")}`);
    }
    for (const key of Object.keys(layer.config)) {
      if (key.endsWith("_initializer") && layer.config[key] !== null) layer.config[key] = { class_name: "Zeros", config: {} };
    }
  }
  const out = outputLayer(config);
  const activation = out.config["activation"] ?? "linear";
  if (activation !== "softmax" && activation !== "linear") {
    throw new Error(`topology: the output layer '${String(out.config["name"])}' has activation '${String(activation)}'; expected softmax (probabilities) or linear (logits)`);
  }
  out.config["activation"] = "linear";
  return { topology: config, outputActivation: activation };
}

/** Builds the logits model of a topology (zero weights; the classifier seeds them). */
export async function rebuildLayersModel(topology: unknown): Promise<tf.LayersModel> {
  const rebuilt = logitsTopology(topology);
  try {
    return await tf.models.modelFromJSON({ modelTopology: rebuilt.topology } as tf.io.ModelJSON as never);
  } catch (error) {
    throw new Error(`topology: tfjs cannot build it: ${(error as Error).message}`);
  }
}
