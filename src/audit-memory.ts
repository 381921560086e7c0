// A peak-memory estimate for `mlleaks audit --dataset`, made before anything trains, from the
// dataset's size and the options, so a run that cannot fit is refused up front instead of growing
// until the process dies (issue 14: --shadows 100000 grew to 3.5 GB). Counted: the features every
// model trains on or answers (float32), the answers kept (posteriors), each model's weights (with
// gradients and Adam moments while it trains), one job's data copied into each worker, and fixed
// allowances per worker and for the process. README "Hardening" compares it with measured peaks.
import { architecture } from "./models/architectures.js";
import type { BuiltInModelKind } from "./models/types.js";

export interface DataShape {
  readonly records: number;
  readonly recordShape: readonly number[];
  readonly classes: number;
  /** Records in each of the four ML-Leaks parts. */
  readonly partSize: number;
}

export interface AuditMemoryPlan extends DataShape {
  readonly target: BuiltInModelKind;
  /** Target models trained: one per defence that trains its own (stacking trains three). */
  readonly targetModels: number;
  /** Shokri's shadows (0 without shokri) and LiRA/RMIA's reference models (0 without them). */
  readonly shokriShadows: number;
  readonly referenceModels: number;
  /** Adversary 3's noise queries (0 without adversary 3). */
  readonly noiseQueries: number;
  /** Augmented copies per record for label-only-augmentation (0 without it). */
  readonly augmentations: number;
  readonly workers: number;
  /** Adversary 2's shadow data. */
  readonly shadowData?: DataShape;
  /** What sets the number of records, for the messages (default "--part-size"). */
  readonly sizeOption?: string;
}

export interface MemoryItem {
  readonly what: string;
  readonly bytes: number;
  /** The options that make this item smaller. */
  readonly lower: string;
}

export interface MemoryEstimate {
  readonly bytes: number;
  /** Largest first. */
  readonly items: readonly MemoryItem[];
}

const FLOAT = 4;
/** A worker's own memory: its JavaScript runtime, the kernels' wasm memory, tfjs when loaded. */
export const WORKER_ALLOWANCE = 96 * 1024 * 1024;
/** The main process before any data: Node, the modules, tfjs and the wasm kernels. */
export const PROCESS_ALLOWANCE = 160 * 1024 * 1024;

/** Trainable parameters of a built-in model kind (the layer stacks of architecture()). */
export function parameterCount(kind: BuiltInModelKind, recordShape: readonly number[], classes: number): number {
  let shape = [...recordShape];
  let count = 0;
  for (const layer of architecture(kind, recordShape, classes)) {
    if (layer.type === "conv") {
      const [h, w, channels] = shape as [number, number, number];
      count += layer.kernelSize * layer.kernelSize * channels * layer.filters + layer.filters;
      shape = [h - layer.kernelSize + 1, w - layer.kernelSize + 1, layer.filters];
    } else if (layer.type === "maxpool") {
      const [h, w, channels] = shape as [number, number, number];
      shape = [Math.floor(h / layer.size), Math.floor(w / layer.size), channels];
    } else if (layer.type === "dense") {
      count += shape.reduce((a, b) => a * b, 1) * layer.units + layer.units;
      shape = [layer.units];
    }
  }
  return count;
}

export function estimateAuditMemory(plan: AuditMemoryPlan): MemoryEstimate {
  const recordBytes = plan.recordShape.reduce((a, b) => a * b, 1) * FLOAT;
  const answerBytes = plan.classes * FLOAT;
  const p = plan.partSize;
  const weights = parameterCount(plan.target, plan.recordShape, plan.classes) * FLOAT;
  const size = plan.sizeOption ?? "--part-size";
  // Each target answers its members and non-members, the noise, the population and the augmented copies.
  const targetRows = 2 * p + plan.noiseQueries + 2 * p + plan.augmentations * 2 * p;
  // A Shokri shadow trains on half the shadow parts (p records) and answers both halves; a reference
  // model trains on half of all four parts with --model (2p; p with --dataset, counted as 2p here) and
  // answers the target's parts and the population (4p).
  const items: MemoryItem[] = [
    { what: "dataset, its four parts and the population", bytes: (plan.records + 6 * p) * recordBytes, lower: size },
    { what: "noise queries", bytes: plan.noiseQueries * recordBytes, lower: "--noise-queries" },
    { what: "augmented records (label-only-augmentation)", bytes: plan.augmentations * 2 * p * recordBytes, lower: `${size}, --attacks without label-only-augmentation` },
    { what: `target models' answers (${plan.targetModels})`, bytes: plan.targetModels * (targetRows * answerBytes + weights), lower: `--defence, --noise-queries, ${size}` },
    { what: `Shokri shadows (${plan.shokriShadows})`, bytes: plan.shokriShadows * (2 * p * (recordBytes + answerBytes) + weights), lower: `--shadows, ${size}` },
    { what: `reference models (${plan.referenceModels})`, bytes: plan.referenceModels * (2 * p * recordBytes + 4 * p * answerBytes + weights), lower: `--shadows, ${size}, --attacks without lira, lira-global, rmia, attack-r` },
    // A worker holds one job: its training data, what it answers, and the weights, gradients and
    // Adam moments of the model it trains.
    { what: `workers (${plan.workers})`, bytes: plan.workers * (WORKER_ALLOWANCE + 2 * p * recordBytes + targetRows * (recordBytes + answerBytes) + 4 * weights), lower: "--workers" },
    { what: "the process itself", bytes: PROCESS_ALLOWANCE, lower: "" },
  ];
  if (plan.shadowData) {
    const other = plan.shadowData;
    const otherRecord = other.recordShape.reduce((a, b) => a * b, 1) * FLOAT;
    items.push({ what: "adversary 2's shadow dataset", bytes: (other.records + 4 * other.partSize) * otherRecord + 2 * other.partSize * other.classes * FLOAT, lower: "--shadow-part-size, --adversary without 2" });
  }
  const kept = items.filter((item) => item.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  return { bytes: kept.reduce((sum, item) => sum + item.bytes, 0), items: kept };
}

/** "1.2 GiB", "340 MiB": what the messages show. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)} MiB`;
  return `${Math.ceil(bytes / 2 ** 10)} KiB`;
}

/** "4G", "512MiB", "300000000": a size in bytes (binary units) from an option's text; undefined when malformed. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[match[2]!.toLowerCase() as "" | "k" | "m" | "g" | "t"];
  const bytes = Number(match[1]) * unit;
  return Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : undefined;
}
