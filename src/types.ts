// Plain data types that flow through the pipeline: datasets -> models -> attacks -> metrics -> report.
// Nothing here depends on a runtime or on tfjs.

/** An N x C matrix of class probabilities, row-major. */
export interface Posteriors {
  readonly values: Float32Array;
  readonly rows: number;
  readonly classes: number;
}

/** Labelled records, row-major; `recordShape` is one record's shape ([28, 28, 1], [600], ...). */
export interface LabeledData {
  readonly features: Float32Array;
  readonly recordShape: readonly number[];
  readonly labels: Int32Array;
  readonly numClasses: number;
}

/** Anything that maps records to posteriors: a trained tfjs model, a stacked model, a remote API. */
export interface PosteriorModel {
  /** What the model is ("mlp", "cnn", "logreg", "stacked", ...), for reports. */
  readonly kind: string;
  readonly numClasses: number;
  predict(features: Float32Array, rows: number): Promise<Posteriors>;
}
