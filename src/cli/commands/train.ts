// `mlleaks train`: trains one target model on a dataset's ML-Leaks target-train part and writes it
// (tfjs LayersModel format) with meta.json: dataset, split, seed, options, train and test accuracy,
// weights hash. Ctrl-C cancels between batches and writes nothing.
import { resolve } from "node:path";
import { loadNamedDataset } from "../../adapters/node/datasets.js";
import { removeStaleSetTemporaries } from "../../adapters/node/fs.js";
import { saveModel } from "../../adapters/node/models.js";
import { mlLeaksSplit, type Dataset } from "../../datasets/index.js";
import { initKernels } from "../../kernels/index.js";
import { createClassifier } from "../../models/create.js";
import { initModelBackend } from "../../models/backend.js";
import "../../models/engines.js";
import { dpSgdEpsilon, noiseMultiplierFor } from "../../defences/dp-accountant.js";
import { TRAINING_OBJECTIVE_DEFAULTS } from "../../defences/training-objectives.js";
import { DP_SGD_DEFAULTS } from "../../defences/dp-sgd.js";
import { EARLY_STOPPING_DEFAULTS, validationSplit } from "../../defences/early-stopping.js";
import { createStackedClassifier, defaultBaseKinds } from "../../defences/stacking.js";
import { TRAIN_DEFAULTS, type Classifier, type Engine, type ModelKind } from "../../models/types.js";
import type { PosteriorModel } from "../../types.js";
import { UsageError, type CommandSpec, type OptionValues } from "../args.js";
import { createProgress } from "../progress.js";

const KINDS = ["cnn", "mlp", "logreg", "deep-mlp"] as const;

function isImage(dataset: Dataset): boolean {
  const [h, w] = dataset.recordShape;
  return dataset.recordShape.length === 3 && h! >= 16 && w! >= 16;
}

/** Fraction of rows whose argmax posterior (lowest index on ties) is the label. */
async function accuracy(model: PosteriorModel, data: Dataset): Promise<number> {
  const rows = data.labels.length;
  const p = await model.predict(data.features, rows);
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < p.classes; c++) if (p.values[r * p.classes + c]! > p.values[r * p.classes + best]!) best = c;
    if (best === data.labels[r]) correct++;
  }
  return rows === 0 ? NaN : correct / rows;
}

function option<T>(options: OptionValues, name: string): T | undefined {
  return options[name] as T | undefined;
}

export const trainCommand: CommandSpec = {
  name: "train",
  summary: "train a target model (cnn, mlp, logreg; dropout, stacking, DP-SGD, label-smoothing, L2, RelaxLoss or adversarial-regularisation defence) and save it with meta.json",
  usage:
    "mlleaks train --dataset NAME [--model cnn|mlp|logreg|deep-mlp] [--dropout RATE] [--stacking] [--noise-multiplier S | --target-epsilon E] [--clip-norm C] [--label-smoothing E] [--relaxloss-alpha A] [--adv-reg-lambda L [--adv-reg-steps K]] [--epochs E] [--seed S] --out DIR",
  options: {
    dataset: { type: "string", valueName: "NAME", required: true, description: "dataset to train on (digits, fashion-mnist, census, purchase, dna, mail, faces, ...)" },
    model: { type: "string", valueName: "KIND", choices: KINDS, description: "architecture (default cnn for images of 16x16 or more, mlp otherwise)" },
    dropout: { type: "number", valueName: "RATE", description: "dropout after the hidden dense layers, the paper's defence (e.g. 0.5)" },
    stacking: { type: "boolean", description: "model stacking defence: base models on disjoint parts, logistic-regression meta model" },
    "noise-multiplier": { type: "number", valueName: "S", description: "DP-SGD (fused engine, or tfjs by microbatches of one): Gaussian noise of S x the clip norm; meta.json gets the accountant's epsilon" },
    "target-epsilon": { type: "number", valueName: "E", description: "DP-SGD: the smallest noise multiplier whose epsilon at --delta is at most E" },
    "clip-norm": { type: "number", valueName: "C", default: DP_SGD_DEFAULTS.clipNorm, description: "DP-SGD: per-example gradient clip norm" },
    "relaxloss-alpha": { type: "number", valueName: "A", description: "RelaxLoss (tfjs engine): the target loss level alpha (> 0)" },
    "adv-reg-lambda": { type: "number", valueName: "L", description: "adversarial regularisation (tfjs engine): weight of the inference model's gain; the reference set is the split's shadow-out part" },
    "adv-reg-steps": { type: "integer", valueName: "K", default: TRAINING_OBJECTIVE_DEFAULTS.advRegSteps, description: "adversarial regularisation: inference-model steps before each classifier step" },
    delta: { type: "number", valueName: "D", default: DP_SGD_DEFAULTS.delta, description: "DP-SGD: the accountant's delta" },
    "label-smoothing": { type: "number", valueName: "E", description: "label smoothing of the training targets (0 to 1, exclusive)" },
    patience: { type: "integer", valueName: "P", description: "early stopping: hold out a seeded fifth of the training part, stop once its loss has not fallen for P epochs, then train on all of it for the best epoch count (at most --epochs)" },
    epochs: { type: "integer", valueName: "E", default: TRAIN_DEFAULTS.epochs, description: "training epochs" },
    "batch-size": { type: "integer", valueName: "N", default: TRAIN_DEFAULTS.batchSize, description: "records per batch" },
    "learning-rate": { type: "number", valueName: "LR", default: TRAIN_DEFAULTS.learningRate, description: "Adam's learning rate" },
    l2: { type: "number", valueName: "L2", default: TRAIN_DEFAULTS.l2, description: "L2 penalty on the kernels" },
    seed: { type: "integer", valueName: "S", default: 0, description: "seed of the split, the initial weights, batch order and dropout masks" },
    "part-size": { type: "integer", valueName: "N", description: "records in each of the split's four parts (default: a quarter of the dataset)" },
    engine: { type: "string", valueName: "NAME", choices: ["tfjs", "fused"], default: "tfjs", description: "training engine (fused: the AssemblyScript dense trainer; dense models only)" },
    out: { type: "string", valueName: "DIR", required: true, description: "directory for model.json, weights.bin and meta.json" },
  },
  async run(options) {
    const datasetName = option<string>(options, "dataset")!;
    const seed = option<number>(options, "seed")!;
    const epochs = option<number>(options, "epochs")!;
    const batchSize = option<number>(options, "batch-size")!;
    const learningRate = option<number>(options, "learning-rate")!;
    const l2 = option<number>(options, "l2")!;
    const dropout = option<number>(options, "dropout");
    const stacking = option<boolean>(options, "stacking") === true;
    const engine = option<string>(options, "engine") as Engine;
    const out = resolve(option<string>(options, "out")!);
    if (seed < 0) throw new UsageError(`mlleaks train: --seed expects an integer >= 0, got ${seed}`);
    if (epochs < 1) throw new UsageError(`mlleaks train: --epochs expects a positive integer, got ${epochs}`);
    if (batchSize < 1) throw new UsageError(`mlleaks train: --batch-size expects a positive integer, got ${batchSize}`);
    if (!(learningRate > 0)) throw new UsageError(`mlleaks train: --learning-rate expects a positive number, got ${learningRate}`);
    if (!(l2 >= 0)) throw new UsageError(`mlleaks train: --l2 expects a number >= 0, got ${l2}`);
    const labelSmoothing = option<number>(options, "label-smoothing");
    if (labelSmoothing !== undefined && !(labelSmoothing >= 0 && labelSmoothing < 1)) throw new UsageError(`mlleaks train: --label-smoothing expects a number from 0 to 1 (exclusive), got ${labelSmoothing}`);
    const noiseMultiplier = option<number>(options, "noise-multiplier");
    const targetEpsilon = option<number>(options, "target-epsilon");
    const clipNorm = option<number>(options, "clip-norm")!;
    const delta = option<number>(options, "delta")!;
    const dp = noiseMultiplier !== undefined || targetEpsilon !== undefined;
    if (noiseMultiplier !== undefined && targetEpsilon !== undefined) throw new UsageError("mlleaks train: give --noise-multiplier or --target-epsilon, not both");
    const relaxLossAlpha = option<number>(options, "relaxloss-alpha");
    const advRegLambda = option<number>(options, "adv-reg-lambda");
    const advRegSteps = option<number>(options, "adv-reg-steps")!;
    const objectives = [dp && "DP-SGD", relaxLossAlpha !== undefined && "--relaxloss-alpha", advRegLambda !== undefined && "--adv-reg-lambda", stacking && "--stacking"].filter(Boolean);
    if (objectives.length > 1) throw new UsageError(`mlleaks train: ${objectives.join(" and ")} are separate defences; give one`);
    if (relaxLossAlpha !== undefined && !(relaxLossAlpha > 0 && Number.isFinite(relaxLossAlpha))) throw new UsageError(`mlleaks train: --relaxloss-alpha expects a number > 0, got ${relaxLossAlpha}`);
    if (advRegLambda !== undefined && !(advRegLambda >= 0 && Number.isFinite(advRegLambda))) throw new UsageError(`mlleaks train: --adv-reg-lambda expects a number >= 0, got ${advRegLambda}`);
    if (!(advRegSteps >= 1)) throw new UsageError(`mlleaks train: --adv-reg-steps expects an integer >= 1, got ${advRegSteps}`);
    if ((relaxLossAlpha !== undefined || advRegLambda !== undefined) && engine !== "tfjs") throw new UsageError("mlleaks train: RelaxLoss and adversarial regularisation train on the tfjs engine; drop --engine fused");
    if (dp && !(clipNorm > 0)) throw new UsageError(`mlleaks train: --clip-norm expects a number > 0, got ${clipNorm}`);
    if (dp && !(delta > 0 && delta < 1)) throw new UsageError(`mlleaks train: --delta expects a number between 0 and 1 (exclusive), got ${delta}`);
    if (noiseMultiplier !== undefined && !(noiseMultiplier >= 0)) throw new UsageError(`mlleaks train: --noise-multiplier expects a number >= 0, got ${noiseMultiplier}`);
    if (targetEpsilon !== undefined && !(targetEpsilon > 0)) throw new UsageError(`mlleaks train: --target-epsilon expects a number > 0, got ${targetEpsilon}`);
    if (dropout !== undefined && !(dropout > 0 && dropout < 1)) throw new UsageError(`mlleaks train: --dropout expects a rate between 0 and 1, got ${dropout}`);
    const patience = option<number>(options, "patience");
    if (patience !== undefined && !(patience >= 1)) throw new UsageError(`mlleaks train: --patience expects a positive integer, got ${patience}`);
    if (patience !== undefined && dp) throw new UsageError("mlleaks train: --patience with DP-SGD would spend privacy on the epoch choice the accountant does not count; use one of them");
    if (patience !== undefined && stacking) throw new UsageError("mlleaks train: --patience and --stacking are separate defences");

    // What an interrupted earlier run left beside --out goes first (an old model set is put back).
    await removeStaleSetTemporaries(out);
    await initKernels();
    const backend = await initModelBackend();
    const dataset = await loadNamedDataset(datasetName);
    const kind = (option<string>(options, "model") ?? (isImage(dataset) ? "cnn" : "mlp")) as ModelKind;
    if (kind === "cnn" && !isImage(dataset)) throw new UsageError(`mlleaks train: --model cnn needs images of 16x16 or more; ${datasetName} has records of shape [${dataset.recordShape.join(", ")}]`);
    if (stacking && dropout) throw new UsageError("mlleaks train: --dropout and --stacking are two defences; stacking's base models train without dropout (as audit --defence stacking measures)");
    if (kind === "logreg" && dropout) throw new UsageError("mlleaks train: --dropout needs a hidden layer; logreg has none");
    const partSize = option<number>(options, "part-size");
    let split;
    try {
      split = mlLeaksSplit(dataset, { seed, ...(partSize !== undefined ? { partSize } : {}) });
    } catch (error) {
      throw new UsageError(`mlleaks train: --part-size: ${(error as Error).message}`);
    }
    const schedule = { records: split.targetTrain.labels.length, batchSize: Math.min(batchSize, split.targetTrain.labels.length), epochs, delta };
    const sigma = dp ? (noiseMultiplier ?? noiseMultiplierFor(targetEpsilon!, schedule)) : undefined;
    const dpSgd = sigma !== undefined ? { clipNorm, noiseMultiplier: sigma, sampling: "poisson" as const } : undefined;
    const spent = sigma !== undefined ? dpSgdEpsilon({ ...schedule, noiseMultiplier: sigma }) : undefined;
    const relaxLoss = relaxLossAlpha !== undefined ? { alpha: relaxLossAlpha } : undefined;
    const advReg = advRegLambda !== undefined ? { lambda: advRegLambda, steps: advRegSteps } : undefined;
    const spec = { inputShape: dataset.recordShape, numClasses: dataset.numClasses, dropout: dropout ?? 0, engine };
    const baseKinds = stacking ? [kind, ...defaultBaseKinds(dataset.recordShape).filter((k) => k !== kind)].slice(0, 2) : [];
    const model: Classifier = stacking ? await createStackedClassifier({ ...spec, baseKinds }) : await createClassifier(kind, spec);

    const label = `train ${stacking ? `stacked ${baseKinds.join("+")}` : kind} on ${datasetName}`;
    const progress = createProgress(label, { isTTY: process.stderr.isTTY === true, write: (t) => process.stderr.write(t) });
    const controller = new AbortController();
    const onSigint = () => controller.abort(new Error("cancelled (Ctrl-C); nothing was written"));
    process.once("SIGINT", onSigint);
    let summary;
    try {
      // Early stopping chooses the epoch count on a held-out fifth (as audit --defence early-stopping), then trains on all.
      let chosenEpochs = epochs;
      if (patience !== undefined) {
        const { train, validation } = validationSplit(split.targetTrain, EARLY_STOPPING_DEFAULTS.validationFraction, seed);
        const chosen = await model.fit(train, { seed, epochs, batchSize, learningRate, l2, ...(dpSgd ? { dpSgd } : {}), ...(labelSmoothing ? { labelSmoothing } : {}), earlyStopping: { validation, patience }, signal: controller.signal });
        chosenEpochs = chosen.bestEpoch ?? epochs;
      }
      summary = await model.fit(split.targetTrain, {
        seed,
        epochs: chosenEpochs,
        batchSize,
        learningRate,
        l2,
        ...(dpSgd ? { dpSgd } : {}),
        ...(labelSmoothing ? { labelSmoothing } : {}),
        ...(relaxLoss ? { relaxLoss } : {}),
        ...(advReg ? { adversarialRegularization: { ...advReg, reference: split.shadowOut } } : {}),
        signal: controller.signal,
        onEpoch: (e) => progress.update(e.epoch, e.epochs, `epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(3)}`),
      });
    } finally {
      process.removeListener("SIGINT", onSigint);
    }
    const trainAccuracy = await accuracy(model, split.targetTrain);
    const testAccuracy = await accuracy(model, split.targetOut);
    const weightsSha256 = await model.weightsSha256();
    progress.finish(
      `${summary.seconds.toFixed(1)} s, ${Math.round(summary.samplesPerSecond)} samples/s; train accuracy ${trainAccuracy.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}` +
        (spent ? `; DP-SGD noise ${sigma!.toPrecision(4)}, clip ${clipNorm}: epsilon ${spent.epsilon.toFixed(2)} at delta ${delta}` : ""),
    );
    const meta = {
      mlleaks: "model",
      dataset: datasetName,
      split: { kind: "ml-leaks", seed, partSize: split.partSize, trainedOn: "targetTrain", testedOn: "targetOut" },
      seed,
      model: stacking ? "stacked" : kind,
      ...(stacking ? { stacking: { baseKinds, meta: "logreg" } } : {}),
      inputShape: dataset.recordShape,
      numClasses: dataset.numClasses,
      options: { epochs: summary.epochs, batchSize, learningRate, l2, dropout: dropout ?? 0, engine, ...(labelSmoothing ? { labelSmoothing } : {}), ...(dpSgd ? { dpSgd } : {}), ...(relaxLoss ? { relaxLoss } : {}), ...(advReg ? { adversarialRegularization: { ...advReg, reference: "shadowOut" } } : {}), ...(patience !== undefined ? { earlyStopping: { patience, maxEpochs: epochs } } : {}) },
      ...(spent ? { privacy: { accountant: "rdp", epsilon: spent.epsilon, delta, noiseMultiplier: sigma, clipNorm, steps: spent.steps, samplingRate: spent.samplingRate, order: spent.order } } : {}),
      trainAccuracy,
      testAccuracy,
      weightsSha256,
      backend: { engine: summary.engine, wasmThreads: backend.threads, simd: backend.simd, tfjs: backend.tfjsVersion },
    };
    await saveModel(out, model, meta);
    model.dispose();
    console.log(`wrote ${out} (weights sha256 ${weightsSha256})`);
    return 0;
  },
};
