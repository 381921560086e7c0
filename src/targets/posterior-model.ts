// A PosteriorModel that already answers with posteriors (a model mlleaks trained, stacked or not)
// as a TargetModel: input checks that name both shapes, and a query count.
import type { PosteriorModel, Posteriors } from "../types.js";
import { checkFeatures } from "./shape.js";
import type { TargetModel, TargetSource } from "./types.js";

export function posteriorTargetModel(
  model: PosteriorModel & { readonly inputShape: readonly number[] },
  source: TargetSource,
  location: string,
  extras: { readonly kind?: string; readonly layersTopology?: unknown; readonly dispose?: () => void } = {},
): TargetModel {
  let queries = 0;
  return {
    source,
    location,
    kind: extras.kind ?? model.kind,
    numClasses: model.numClasses,
    inputShape: model.inputShape,
    outputKind: "probabilities",
    get queries() {
      return queries;
    },
    ...(extras.layersTopology !== undefined ? { layersTopology: extras.layersTopology } : {}),
    async predict(features: Float32Array, rows: number): Promise<Posteriors> {
      checkFeatures(features, rows, model.inputShape, location);
      const posteriors = await model.predict(features, rows);
      queries += rows;
      return posteriors;
    },
    async dispose() {
      extras.dispose?.();
    },
  };
}
