// The newer attacks' options for `mlleaks audit` (--alpha, --rmia-gamma, --rmia-population,
// --rmia-a, --shokri-inputs) and --save-signals, which writes what LiRA and RMIA consume as an .npz.
import { resolve } from "node:path";
import { resolveAttackOptions, type AttackOptions } from "../attacks/registry.js";
import { encodeSignalsNpz, type AuditSignals } from "../attacks/signals.js";
import type { ShokriInputs } from "../attacks/shadow.js";
import { writeFileAtomic } from "../adapters/node/fs.js";
import { UsageError, type OptionSpec, type OptionValues } from "./args.js";

export const ATTACK_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  alpha: { type: "number", valueName: "A", description: "the FPR the quantile attack, attack-p and attack-r aim at (default 0.01)" },
  "rmia-gamma": { type: "number", valueName: "G", description: "RMIA's likelihood-ratio threshold gamma (default 1)" },
  "rmia-population": { type: "integer", valueName: "N", description: "RMIA's population records z (a seeded sample; default all)" },
  "rmia-a": { type: "string", valueName: "A", description: "RMIA's offline a: a number from 0 to 1, or calibrated (default: tuned on a reference model, as the authors' code)" },
  "shokri-inputs": { type: "string", valueName: "KIND", description: "what Shokri's attack models read: label-log (default: log p_y, log of the largest other posterior, log of the others' sum), log-standardized (every posterior's log) or raw posteriors (both as in earlier reports)" },
  "boundary-queries": { type: "integer", valueName: "N", description: "label-only-boundary's label queries per record (default 500; an endpoint's --max-queries still bounds the total)" },
  augmentations: { type: "integer", valueName: "N", description: "LiRA's queries per image record: the record, its horizontal flip, then seeded 1-4 pixel shifts (Carlini et al.'s multi-query LiRA; default 1; images only)" },
  "save-signals": { type: "string", valueName: "FILE.npz", description: "write the target's and reference models' posteriors on the audited records, the in/out matrix, labels and membership (see README)" },
};

export function attackOptionsFrom(options: OptionValues): AttackOptions {
  const a = options["rmia-a"] as string | undefined;
  const rmiaA = a === undefined || a === "calibrated" ? undefined : Number(a);
  if (rmiaA !== undefined && !(a!.trim() !== "" && rmiaA >= 0 && rmiaA <= 1)) throw new UsageError(`mlleaks audit: --rmia-a expects a number from 0 to 1 or 'calibrated', got '${a}'`);
  const attackOptions: AttackOptions = {
    ...(options.alpha !== undefined ? { alpha: options.alpha as number } : {}),
    ...(options["rmia-gamma"] !== undefined ? { rmiaGamma: options["rmia-gamma"] as number } : {}),
    ...(options["rmia-population"] !== undefined ? { rmiaPopulation: options["rmia-population"] as number } : {}),
    ...(rmiaA !== undefined ? { rmiaA } : {}),
    ...(options["shokri-inputs"] !== undefined ? { shokriInputs: options["shokri-inputs"] as ShokriInputs } : {}),
    ...(options["boundary-queries"] !== undefined ? { maxQueries: options["boundary-queries"] as number } : {}),
    ...(options.augmentations !== undefined ? { augmentations: options.augmentations as number } : {}),
  };
  try {
    resolveAttackOptions(attackOptions);
  } catch (error) {
    const flags: Record<string, string> = { alpha: "--alpha", rmiaGamma: "--rmia-gamma", rmiaPopulation: "--rmia-population", rmiaA: "--rmia-a", maxQueries: "--boundary-queries", augmentations: "--augmentations", shokriInputs: "--shokri-inputs" };
    const message = (error as Error).message.replace(/^(\w+):/, (_, name: string) => `${flags[name] ?? name}:`);
    throw new UsageError(`mlleaks audit: ${message}`);
  }
  const file = options["save-signals"] as string | undefined;
  if (file !== undefined && !file.endsWith(".npz")) throw new UsageError(`mlleaks audit: --save-signals expects a FILE.npz, got '${file}'`);
  return attackOptions;
}

/** Collects the first signals an audit hands over (the undefended target's), to write after it. */
export function signalsCollector(options: OptionValues): { onSignals?: (signals: AuditSignals) => void; save(stderr: { write(s: string): void }): Promise<void> } {
  const file = options["save-signals"] as string | undefined;
  if (file === undefined) return { save: async () => {} };
  let kept: AuditSignals | undefined;
  return {
    onSignals: (signals) => void (kept ??= signals),
    async save(stderr) {
      if (!kept) throw new Error(`--save-signals ${file}: no reference models trained, so there are no signals to save (run lira, lira-global, rmia or attack-r, with --population for --model)`);
      await writeFileAtomic(resolve(file), encodeSignalsNpz(kept));
      stderr.write(`signals: ${resolve(file)} (${kept.referencePosteriors.length} reference models, ${kept.targetPosteriors.rows} records)\n`);
    },
  };
}
