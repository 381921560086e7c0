// The attack registry: every attack the audits can run, one entry each, in report order. An entry
// says what selects it, what it needs from the attacker's side and how to build its strategy;
// audit(), auditPosteriors() and auditModel() plan their attacks from here, so a new attack is one
// strategy file plus one line below.
import { attackP } from "./attack-p.js";
import { attackR } from "./attack-r.js";
import { liraAttack, rmiaAttack } from "./lira.js";
import { DEFAULT_QUANTILE_ALPHA, quantileAttack } from "./quantile.js";
import { labelOnlyAugmentationAttack } from "./label-only.js";
import { labelOnlyBoundaryAttack } from "./boundary.js";
import { correctnessAttack, entropyAttack, lossAttack, maxPosteriorAttack, modifiedEntropyAttack } from "./metric.js";
import { DEFAULT_SHOKRI_INPUTS, SHOKRI_INPUTS, shokriAttack, topKShadowAttack, type ShokriInputs } from "./shadow.js";
import type { AttackContext, AttackInputData, AttackStrategy } from "./types.js";

/** What an attack cannot run without (labels of the target's records, a shadow model, ...). */
export type AttackNeed = "labels" | "shadow" | "noise" | "references" | "population" | "features" | "augmented" | "model";

/** The newer attacks' own parameters (all optional; defaults below). */
export interface AttackOptions {
  /** The FPR the quantile attack, attack-P and attack-R aim at (default 0.01). */
  readonly alpha?: number;
  /** RMIA's likelihood-ratio threshold gamma (default 1). */
  readonly rmiaGamma?: number;
  /** RMIA's population records z (default all the population). */
  readonly rmiaPopulation?: number;
  /** RMIA's offline a, or "calibrated" on a reference model (default). */
  readonly rmiaA?: number | "calibrated";
  /** What Shokri's attack models read (default "label-log"; "log-standardized" and "raw" as in earlier reports). */
  readonly shokriInputs?: ShokriInputs;
  /** The label-only boundary attack's label queries per record (default DEFAULT_MAX_QUERIES). */
  readonly maxQueries?: number;
  /** LiRA's queries per image record: the record, its flip and shifted copies (default 1: the record alone). */
  readonly augmentations?: number;
}

/** AttackOptions checked, defaults filled in (for a report's config). */
export function resolveAttackOptions(options: AttackOptions = {}) {
  const alpha = options.alpha ?? DEFAULT_QUANTILE_ALPHA;
  const rmiaGamma = options.rmiaGamma ?? 1;
  const rmiaA = options.rmiaA ?? "calibrated";
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha: expected an FPR between 0 and 1 (exclusive), got ${alpha}`);
  if (!(rmiaGamma > 0)) throw new RangeError(`rmiaGamma: expected a positive number, got ${rmiaGamma}`);
  if (rmiaA !== "calibrated" && !(rmiaA >= 0 && rmiaA <= 1)) throw new RangeError(`rmiaA: expected a number from 0 to 1 or "calibrated", got ${rmiaA}`);
  if (options.rmiaPopulation !== undefined && !(Number.isInteger(options.rmiaPopulation) && options.rmiaPopulation >= 1)) {
    throw new RangeError(`rmiaPopulation: expected a positive integer, got ${options.rmiaPopulation}`);
  }
  if (options.shokriInputs !== undefined && !SHOKRI_INPUTS.includes(options.shokriInputs)) {
    throw new RangeError(`shokriInputs: expected one of ${SHOKRI_INPUTS.join(", ")}, got '${String(options.shokriInputs)}'`);
  }
  if (options.maxQueries !== undefined && !(Number.isInteger(options.maxQueries) && options.maxQueries >= 1)) {
    throw new RangeError(`maxQueries: expected a positive integer (label queries per record), got ${options.maxQueries}`);
  }
  if (options.augmentations !== undefined && !(Number.isInteger(options.augmentations) && options.augmentations >= 1)) {
    throw new RangeError(`augmentations: expected a positive integer (LiRA's queries per image record), got ${options.augmentations}`);
  }
  return {
    alpha,
    rmiaGamma,
    rmiaA,
    ...(options.rmiaPopulation !== undefined ? { rmiaPopulation: options.rmiaPopulation } : {}),
    // In a report's config only when not the default, so reports with the default stay as they were.
    ...(options.shokriInputs !== undefined && options.shokriInputs !== DEFAULT_SHOKRI_INPUTS ? { shokriInputs: options.shokriInputs } : {}),
    ...(options.maxQueries !== undefined ? { maxQueries: options.maxQueries } : {}),
    ...(options.augmentations !== undefined ? { augmentations: options.augmentations } : {}),
  };
}

/** Settings that shape strategies and their titles. */
export interface AttackSettings {
  readonly topK: number;
  readonly topPercentile: number;
  /** Shokri's shadow models, LiRA's/RMIA's reference models. */
  readonly shadows: number;
  /** Adversary 1's shadow architecture, as reports name it ("mlp", "cnn", "the target's topology"). */
  readonly shadowModel: string;
  readonly combinedModels: readonly string[];
  /** Adversary 2's shadow data. */
  readonly shadowDatasetName?: string | undefined;
  readonly alpha?: number;
  readonly rmiaGamma?: number;
  readonly rmiaPopulation?: number;
  readonly rmiaA?: number | "calibrated";
  readonly shokriInputs?: ShokriInputs;
}

/** What the attacker has built or gathered (the attack context's resources, plus the pooled shadows of
 *  each shadow-based attack); an entry takes what it needs. */
export interface AttackResources extends Omit<AttackContext, "seed"> {
  /** Shokri's shadows, pooled. */
  readonly shokriShadows?: AttackInputData;
  /** The combined attack's shadows of several architectures, pooled. */
  readonly combinedShadows?: AttackInputData;
  /** Adversary 2's shadow, trained on another dataset. */
  readonly transferShadow?: AttackInputData;
}

export interface AttackEntry {
  /** The result's name in reports. */
  readonly name: string;
  /** The name that selects it ("adversary-1", "lira" selects both LiRA variants). */
  readonly selector: string;
  /** A generic title for listings; the strategy's own title carries the settings. */
  readonly title: string;
  readonly needs: readonly AttackNeed[];
  create(settings: AttackSettings): AttackStrategy;
  /** The context it runs with, or undefined when the resources lack what it needs. */
  context(resources: AttackResources): Omit<AttackContext, "seed"> | undefined;
}

const withTrainer = (shadow: AttackInputData | undefined, r: AttackResources) => (shadow && r.trainAttackModel ? { shadow, trainAttackModel: r.trainAttackModel } : undefined);
const withNoise = (r: AttackResources) => (r.noise ? { noise: r.noise } : {});
/** Label-aware metric attacks calibrate their threshold on adversary 1's shadow when there is one. */
const calibrated = (r: AttackResources) => (r.shadow ? { shadow: r.shadow } : {});
const withReferences = (r: AttackResources) => (r.references ? { references: r.references } : undefined);

export const ATTACKS: readonly AttackEntry[] = [
  {
    name: "adversary-1",
    selector: "adversary-1",
    title: "Adversary 1 (one shadow model, top-k posteriors)",
    needs: ["shadow"],
    create: (s) => topKShadowAttack("adversary-1", `Adversary 1 (${s.shadowModel} shadow, top-${s.topK})`, s.topK),
    context: (r) => withTrainer(r.shadow, r),
  },
  {
    name: "shokri",
    selector: "shokri",
    title: "Shokri et al. (several shadows, per-class attack models)",
    needs: ["labels", "shadow"],
    create: (s) => ({ ...shokriAttack(s.shokriInputs), title: `Shokri (${s.shadows} shadows, per-class attack)` }),
    context: (r) => withTrainer(r.shokriShadows, r),
  },
  {
    name: "combined",
    selector: "combined",
    title: "Combined adversary 1 (shadows of several architectures)",
    needs: ["shadow"],
    create: (s) => topKShadowAttack("combined", `Combined adversary 1 (${s.combinedModels.join(" + ")} shadows)`, s.topK),
    context: (r) => withTrainer(r.combinedShadows, r),
  },
  {
    name: "adversary-2",
    selector: "adversary-2",
    title: "Adversary 2 (shadow trained on another dataset)",
    needs: ["shadow"],
    create: (s) => topKShadowAttack("adversary-2", `Adversary 2 (shadow on ${s.shadowDatasetName}, top-${s.topK})`, s.topK),
    context: (r) => withTrainer(r.transferShadow, r),
  },
  { name: "adversary-3-max", selector: "adversary-3", title: "Adversary 3: max posterior", needs: ["noise"], create: (s) => maxPosteriorAttack(s.topPercentile), context: withNoise },
  { name: "adversary-3-entropy", selector: "adversary-3", title: "Adversary 3: entropy", needs: ["noise"], create: (s) => entropyAttack(s.topPercentile), context: withNoise },
  { name: "loss", selector: "loss", title: "Loss (Yeom et al.)", needs: ["labels"], create: (s) => lossAttack(s.topPercentile), context: calibrated },
  { name: "modified-entropy", selector: "modified-entropy", title: "Modified entropy (Song & Mittal)", needs: ["labels"], create: (s) => modifiedEntropyAttack(s.topPercentile), context: calibrated },
  { name: "correctness", selector: "correctness", title: "Correctness (label-only)", needs: ["labels"], create: () => correctnessAttack(), context: () => ({}) },
  { name: "lira-offline", selector: "lira", title: "LiRA offline (Carlini et al.)", needs: ["labels", "references"], create: (s) => liraAttack("offline", s.topPercentile), context: withReferences },
  { name: "lira-online", selector: "lira", title: "LiRA online (Carlini et al.)", needs: ["labels", "references"], create: (s) => liraAttack("online", s.topPercentile), context: withReferences },
  { name: "lira-offline-global", selector: "lira-global", title: "LiRA offline, global variance", needs: ["labels", "references"], create: (s) => liraAttack("offline", s.topPercentile, "global"), context: withReferences },
  { name: "lira-online-global", selector: "lira-global", title: "LiRA online, global variance", needs: ["labels", "references"], create: (s) => liraAttack("online", s.topPercentile, "global"), context: withReferences },
  {
    name: "rmia",
    selector: "rmia",
    title: "RMIA (Zarifzadeh et al.)",
    needs: ["labels", "references", "population"],
    create: (s) => rmiaAttack(s.topPercentile, { ...(s.rmiaA !== undefined ? { a: s.rmiaA } : {}), ...(s.rmiaGamma !== undefined ? { gamma: s.rmiaGamma } : {}), ...(s.rmiaPopulation !== undefined ? { populationSize: s.rmiaPopulation } : {}) }),
    context: (r) => (r.references?.population ? { references: r.references } : undefined),
  },
  {
    name: "quantile",
    selector: "quantile",
    title: "Quantile regression (Bertran et al.)",
    needs: ["labels", "population", "features"],
    create: (s) => quantileAttack(s.alpha),
    context: (r) => (r.population?.features && r.candidateFeatures ? { population: r.population, candidateFeatures: r.candidateFeatures } : undefined),
  },
  { name: "attack-p", selector: "attack-p", title: "Attack-P (Ye et al.)", needs: ["labels", "population"], create: (s) => attackP(s.alpha), context: (r) => (r.population ? { population: r.population } : undefined) },
  {
    name: "label-only-augmentation",
    selector: "label-only-augmentation",
    title: "Label-only augmentation (Choquette-Choo et al.)",
    needs: ["labels", "augmented"],
    create: () => labelOnlyAugmentationAttack(),
    context: (r) => (r.augmented ? { augmented: r.augmented } : undefined),
  },
  { name: "attack-r", selector: "attack-r", title: "Attack-R (Ye et al.)", needs: ["labels", "references"], create: (s) => attackR(s.alpha), context: withReferences },
  {
    name: "label-only-boundary",
    selector: "label-only-boundary",
    title: "Label-only decision boundary (Li and Zhang)",
    needs: ["labels", "model"],
    create: (s) => labelOnlyBoundaryAttack(s.topPercentile),
    context: (r) => (r.boundary ? { boundary: r.boundary } : undefined),
  },
];

export function attackEntry(name: string): AttackEntry {
  const entry = ATTACKS.find((a) => a.name === name);
  if (!entry) throw new RangeError(`unknown attack '${name}': expected one of ${ATTACKS.map((a) => a.name).join(", ")}`);
  return entry;
}

/** What each need is, in a report's words. */
const NEED_WORDS: Readonly<Record<AttackNeed, string>> = {
  labels: "the labels of both members and non-members",
  shadow: "a shadow model (trained on population data)",
  noise: "noise queries",
  references: "reference models (trained on population data)",
  population: "population data",
  features: "the records' features (not only the target's answers)",
  augmented: "the target queried on perturbed copies of the records (a model, not only its answers)",
  model: "the target as a model to query for labels (audit(), auditModel(), or the edge handler's model-URL form)",
};

export interface PlannedAttack {
  readonly strategy: AttackStrategy;
  readonly context: Omit<AttackContext, "seed">;
}

/**
 * The attacks to run, in registry order: those a selector picks whose context the resources can
 * supply (and whose labels are there when they need them). The others come back in `skipped`,
 * each with the reason, for the report's notes.
 */
export function planAttacks(
  selectors: Iterable<string>,
  settings: AttackSettings,
  resources: AttackResources,
  hasLabels = true,
): { plan: PlannedAttack[]; skipped: string[] } {
  const wanted = new Set(selectors);
  const plan: PlannedAttack[] = [];
  const skipped: string[] = [];
  for (const entry of ATTACKS) {
    if (!wanted.has(entry.selector)) continue;
    const context = entry.context(resources);
    if (entry.needs.includes("labels") && !hasLabels) skipped.push(`${entry.name} skipped: it needs ${NEED_WORDS.labels}`);
    else if (!context) skipped.push(`${entry.name} skipped: it needs ${entry.needs.filter((n) => n !== "labels").map((n) => NEED_WORDS[n]).join(" and ")}`);
    else plan.push({ strategy: entry.create(settings), context });
  }
  return { plan, skipped };
}
