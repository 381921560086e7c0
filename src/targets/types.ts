// The target-model contract: a model to audit, from any source (an ONNX file, a tfjs model, a
// deployed endpoint, a model `mlleaks train` wrote). Records in, posteriors out; every attack
// consumes it through PosteriorModel.predict, so none of them knows where the model lives.
import type { PosteriorModel } from "../types.js";

/** What a model's raw output rows are: probabilities (rows sum to 1) or logits (softmaxed here). */
export type OutputKind = "probabilities" | "logits";
/** "auto" detects the kind from the first answers (rows summing to 1 within tolerance). */
export type OutputChoice = OutputKind | "auto";

/** Where a target model comes from, for reports. */
export type TargetSource = "onnx" | "tfjs-layers" | "tfjs-graph" | "endpoint-v1" | "endpoint-v2" | "mlleaks";

export interface TargetModel extends PosteriorModel {
  readonly source: TargetSource;
  /** Where it was loaded from (a path or URL), for reports and error messages. */
  readonly location: string;
  /** One record's shape as the model takes it (no batch axis), when the model states it. */
  readonly inputShape?: readonly number[];
  /** What the raw output was declared or found to be ("auto" until the first answer). */
  readonly outputKind: OutputChoice;
  /** Records sent to the model so far (a query budget counts these). */
  readonly queries: number;
  /**
   * A tfjs LayersModel's topology (model.json's `modelTopology`): shadow and reference models can
   * rebuild the same architecture from it with fresh seeded weights.
   */
  readonly layersTopology?: unknown;
  dispose(): Promise<void>;
}
