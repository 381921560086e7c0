// npm run paper's attack tables (issues 12 and 13), written to results/attacks-by-budget.md:
//   1. every attack audit() runs, on each chosen set, at 1, 4 and 16 reference (shadow) models:
//      AUC and TPR at 0.1% and 1% FPR with their 95% intervals, and the label-only attacks' queries;
//   2. the attacks that use reference models as their number grows (1, 2, ..., 64), on one set: the
//      first m of one audit's reference models are exactly an m-model audit's (each model's seed is
//      its index), so the 64 models train once;
//   3. Shokri's attack on each of its inputs (raw, log-standardized, label-log), same models (the issue-13 gap).
// Rows come from the attack registry and from each report, so a newly registered attack appears here
// without edits.
import { loadavg } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../src/adapters/node/fs.js";
import { DEFAULT_AUGMENTATIONS } from "../src/attacks/label-only.js";
import { ATTACKS, planAttacks, type AttackEntry } from "../src/attacks/registry.js";
import { SHOKRI_INPUTS } from "../src/attacks/shadow.js";
import { runAttack } from "../src/attacks/run.js";
import type { AuditSignals } from "../src/attacks/signals.js";
import type { AttackInputData, AttackResult, Interval } from "../src/attacks/types.js";
import { audit, EXTRA_ATTACKS, resolveAuditConfig, seedsFor, SLOT, type ExtraAttack, type JobRunner } from "../src/audit.js";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { loadDataset, type Dataset } from "../src/datasets/index.js";
import type { Posteriors } from "../src/types.js";

export interface AttackTablesOptions {
  /** Table 1's sets (every attack at each budget). */
  readonly datasets: readonly Dataset[];
  /** Table 1's budgets: reference models (LiRA, RMIA, attack-R) and Shokri's shadow models. */
  readonly budgets: readonly number[];
  /** Table 2's set and budgets (the largest is trained once, the others are its first models). */
  readonly scalingDataset: Dataset | undefined;
  readonly scalingBudgets: readonly number[];
  /** Table 3's sets and Shokri's shadows there. */
  readonly shokriDatasets: readonly Dataset[];
  readonly shokriShadows: number;
  readonly seed: number;
  readonly epochs: number;
  readonly runJobs: JobRunner;
  readonly out: string;
  readonly log: (line: string) => void;
}

const num = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "–");
const pct = (x: number | undefined) => (x === undefined ? "–" : `${(100 * x).toFixed(1)}%`);
const interval = (i: Interval | null | undefined, f: (x: number) => string) => (i ? ` [${f(i[0])}, ${f(i[1])}]` : "");
const pctBare = (x: number) => (100 * x).toFixed(1);

/** The label queries an attack spent beyond the target's answers on the records themselves. */
function labelQueries(entry: AttackEntry | undefined, result: AttackResult): string {
  const spent = /label queries: (\d+) in all/.exec(result.metrics.thresholdRule);
  if (spent) return `${spent[1]} (${(Number(spent[1]) / (result.metrics.members + result.metrics.nonMembers)).toFixed(0)} a record)`;
  if (entry?.needs.includes("augmented")) return `${DEFAULT_AUGMENTATIONS * (result.metrics.members + result.metrics.nonMembers)} (${DEFAULT_AUGMENTATIONS} a record)`;
  return "–";
}

const cells = (a: AttackResult) => {
  const s = a.metrics.statistics;
  return [
    `${num(a.metrics.auc)}${interval(s?.auc, num)}`,
    `${pct(a.metrics.tprAtFpr["0.001"])}${interval(s?.tprAtFpr["0.001"], pctBare)}`,
    `${pct(a.metrics.tprAtFpr["0.01"])}${interval(s?.tprAtFpr["0.01"], pctBare)}`,
  ];
};

/** Same figures at every budget: the attack uses no reference model. */
const sameFigures = (runs: readonly AttackResult[]) => runs.every((r) => JSON.stringify(r.metrics) === JSON.stringify(runs[0]!.metrics));

/** The attack with the highest figure (the first in report order on a tie), in words; "none above 0" when all are 0. */
function strongest(results: readonly AttackResult[], score: (a: AttackResult) => number, show: (x: number) => string): string {
  const top = results.reduce((b, a) => (score(a) > score(b) ? a : b));
  return score(top) > 0 ? `${top.name} (${show(score(top))})` : "none above 0";
}

async function budgetTable(o: AttackTablesOptions, dataset: Dataset, lines: string[]): Promise<void> {
  const byBudget = new Map<number, AttackResult[]>();
  let accuracy = "";
  for (const budget of o.budgets) {
    const t0 = performance.now();
    const report = await audit({ dataset, seed: o.seed, adversaries: [1, 3], attacks: [...EXTRA_ATTACKS], shadows: budget, epochs: o.epochs, runJobs: o.runJobs });
    const run = report.runs[0]!;
    accuracy = `train / test accuracy ${pct(run.target.trainAccuracy)} / ${pct(run.target.testAccuracy)}, ${report.dataset?.partSize} records a part`;
    byBudget.set(budget, [...run.attacks]);
    o.log(`attack table ${dataset.name}: ${budget} reference models, ${run.attacks.length} attacks in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const first = byBudget.get(o.budgets[0]!)!;
  lines.push(
    `### ${dataset.name} (target ${defaultKind(dataset)}; ${accuracy})`,
    "",
    "| attack | reference models | AUC [95% CI] | TPR at 0.1% FPR [CI] | TPR at 1% FPR [CI] | label queries |",
    "|---|---|---|---|---|---|",
  );
  for (const { name } of first) {
    const entry = ATTACKS.find((e) => e.name === name);
    const runs = o.budgets.map((b) => byBudget.get(b)!.find((a) => a.name === name)!);
    const rows = sameFigures(runs) ? [["none", runs[0]!] as const] : o.budgets.map((b, i) => [String(b), runs[i]!] as const);
    for (const [budget, a] of rows) lines.push(`| ${a.title} | ${budget} | ${cells(a).join(" | ")} | ${labelQueries(entry, a)} |`);
  }
  const ran = new Set(first.map((a) => a.name));
  const left = ATTACKS.filter((e) => !ran.has(e.name));
  if (left.length > 0) lines.push("", `Not run by a dataset audit: ${left.map((e) => `${e.name} (needs ${e.needs.join(", ")})`).join("; ")}.`);
  lines.push("", "Strongest at each budget:", "");
  for (const b of o.budgets) {
    const results = byBudget.get(b)!;
    lines.push(
      `- ${b} model${b === 1 ? "" : "s"}: AUC ${strongest(results, (a) => a.metrics.auc, num)}; TPR at 0.1% FPR ${strongest(results, (a) => a.metrics.tprAtFpr["0.001"], pct)}; ` +
        `TPR at 1% FPR ${strongest(results, (a) => a.metrics.tprAtFpr["0.01"], pct)}`,
    );
  }
  lines.push("");
}

const defaultKind = (d: Dataset) => resolveAuditConfig({ dataset: d, seed: 0 }).target;

function firstModels(signals: AuditSignals, m: number) {
  const population = signals.population ? { population: { ...signals.population, references: signals.population.references.slice(0, m) } } : {};
  return { onTarget: signals.referencePosteriors.slice(0, m), included: signals.included.slice(0, m), ...population };
}

function splitTarget(signals: AuditSignals): AttackInputData {
  const members = signals.isMember.reduce((n, v) => n + v, 0);
  const { classes } = signals.targetPosteriors;
  const part = (from: number, to: number): Posteriors => ({ values: signals.targetPosteriors.values.slice(from * classes, to * classes), rows: to - from, classes });
  return {
    members: part(0, members),
    nonMembers: part(members, signals.isMember.length),
    membersLabels: signals.labels.slice(0, members),
    nonMembersLabels: signals.labels.slice(members),
  };
}

async function scalingTable(o: AttackTablesOptions, dataset: Dataset, lines: string[]): Promise<void> {
  const entries = ATTACKS.filter((e) => e.needs.includes("references"));
  const selectors = [...new Set(entries.map((e) => e.selector))].filter((s): s is ExtraAttack => (EXTRA_ATTACKS as readonly string[]).includes(s));
  const most = Math.max(...o.scalingBudgets);
  const t0 = performance.now();
  let signals: AuditSignals | undefined;
  await audit({ dataset, seed: o.seed, adversaries: [], attacks: selectors, shadows: most, epochs: o.epochs, runJobs: o.runJobs, onSignals: (s) => (signals = s) });
  o.log(`scaling table ${dataset.name}: ${most} reference models trained in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const target = splitTarget(signals!);
  const seedOf = seedsFor(o.seed);
  const results = new Map<string, Map<number, AttackResult>>();
  for (const m of o.scalingBudgets) {
    const settings = { ...resolveAuditConfig({ dataset, seed: o.seed, attacks: selectors, shadows: m }), shadowDatasetName: undefined };
    const { plan } = planAttacks(selectors, settings, { references: firstModels(signals!, m) });
    for (const [i, { strategy, context }] of plan.entries()) {
      const result = await runAttack(strategy, target, { seed: seedOf(SLOT.attack, i), ...context });
      if (!results.has(strategy.name)) results.set(strategy.name, new Map());
      results.get(strategy.name)!.set(m, result);
    }
  }
  lines.push(
    `| attack | ${o.scalingBudgets.join(" | ")} |`,
    `|---|${o.scalingBudgets.map(() => "---").join("|")}|`,
  );
  for (const [name, row] of results) {
    lines.push(`| ${name} | ${o.scalingBudgets.map((m) => { const a = row.get(m); return a ? `${num(a.metrics.auc)} / ${pct(a.metrics.tprAtFpr["0.001"])}` : "–"; }).join(" | ")} |`);
  }
  lines.push("", "Strongest at each number of reference models (TPR at 0.1% FPR; AUC):", "");
  for (const m of o.scalingBudgets) {
    const at = [...results.values()].map((row) => row.get(m)).filter((a): a is AttackResult => a !== undefined);
    lines.push(`- ${m}: ${strongest(at, (a) => a.metrics.tprAtFpr["0.001"], pct)}; ${strongest(at, (a) => a.metrics.auc, num)}`);
  }
  lines.push("");
}

async function shokriTable(o: AttackTablesOptions, lines: string[]): Promise<void> {
  lines.push(`| dataset | target | ${SHOKRI_INPUTS.map((i) => `Shokri on ${i} inputs: AUC [CI]`).join(" | ")} | adversary 1 (top-3 sorted) AUC |`, `|---|---|${SHOKRI_INPUTS.map(() => "---|").join("")}---|`);
  for (const dataset of o.shokriDatasets) {
    const reports = [];
    for (const shokriInputs of SHOKRI_INPUTS) {
      reports.push(await audit({ dataset, seed: o.seed, adversaries: [1], attacks: ["shokri"], shadows: o.shokriShadows, epochs: o.epochs, runJobs: o.runJobs, attackOptions: { shokriInputs } }));
    }
    const shokri = reports.map((r) => r.runs[0]!.attacks.find((a) => a.name === "shokri")!);
    const auc = (a: AttackResult) => `${num(a.metrics.auc)}${interval(a.metrics.statistics?.auc, num)}`;
    lines.push(`| ${dataset.name} | ${reports[0]!.runs[0]!.target.kind} | ${shokri.map(auc).join(" | ")} | ${num(reports[0]!.runs[0]!.attacks.find((a) => a.name === "adversary-1")!.metrics.auc)} |`);
    o.log(`Shokri inputs ${dataset.name}: ${SHOKRI_INPUTS.map((i, k) => `${i} ${num(shokri[k]!.metrics.auc)}`).join(", ")}`);
  }
  lines.push("");
}

/** Runs the three tables and writes results/attacks-by-budget.md; returns its path. */
export async function paperAttacks(o: AttackTablesOptions): Promise<string> {
  const started = performance.now();
  const loadBefore = loadavg()[0]!.toFixed(1);
  const lines: string[] = [
    "# Attacks by budget",
    "",
    `Generated by \`npm run paper\` (bench/paper-attacks.ts; \`--only attacks\` runs just these tables); seed ${o.seed}; ${o.epochs} epochs; the fused dense engine; ` +
      "each set split into four parts as in ML-Leaks (target members, target non-members, and two parts of attacker data that are also RMIA's population). " +
      "A budget is the number of reference models (LiRA, RMIA, attack-R: each on a random half of the target's members and non-members, as many records as the target) and of Shokri's shadow models (each on a random half of the attacker's parts). " +
      "Intervals: DeLong for the AUC, Clopper-Pearson for the TPRs, 95%.",
    "",
    `## Every attack at ${o.budgets.join(", ")} models`,
    "",
    'An attack that uses no reference model shows one row (budget "none"): its figures are the same at every budget. ' +
      "A TPR at 0.1% FPR has no interval when the set has fewer than 1,000 non-members (that FPR is finer than one non-member).",
    "",
  ];
  for (const d of o.datasets) await budgetTable(o, d, lines);
  if (o.scalingDataset) {
    lines.push(
      `## LiRA and RMIA as the reference models grow (${o.scalingDataset.name}; AUC / TPR at 0.1% FPR)`,
      "",
      "The field's finding (Zarifzadeh et al. 2024): RMIA stays strong with few reference models while LiRA, online especially, needs many. " +
        `The ${Math.max(...o.scalingBudgets)} models trained once in worker threads; column m uses the first m of them, exactly an m-model audit's.`,
      "",
    );
    await scalingTable(o, o.scalingDataset, lines);
  }
  if (o.shokriDatasets.length > 0) {
    lines.push(
      `## Shokri's attack models: what they read (${o.shokriShadows} shadows)`,
      "",
      "Same target, shadows and attack-model training; only what the per-class attack models read differs (issue 13: a PyTorch + scikit-learn Shokri found 0.03-0.04 more AUC on dna and fashion-mnist). " +
        "raw: the posteriors; log-standardized: every posterior's log; label-log (the default): log p_y, the log of the largest other posterior and of the others' sum; both logs standardized per attack model.",
      "",
    );
    await shokriTable(o, lines);
  }
  const minutes = ((performance.now() - started) / 60000).toFixed(1);
  lines.push(`Took ${minutes} minutes on a shared 2-core machine (load average ${loadBefore} at the start, ${loadavg()[0]!.toFixed(1)} at the end).`, "");
  const path = join(o.out, "attacks-by-budget.md");
  await writeFileAtomic(path, lines.join("\n"));
  o.log(`wrote ${path} in ${minutes} minutes`);
  return path;
}

/** bench/paper.ts's flags for these tables (parseArgs options). */
export const ATTACK_TABLE_FLAGS = {
  "attack-tables": { type: "string", default: "yes" },
  "attack-datasets": { type: "string", default: "purchase,dna" },
  "attack-budgets": { type: "string", default: "1,4,16" },
  "scaling-dataset": { type: "string", default: "purchase" },
  "scaling-budgets": { type: "string", default: "1,2,4,8,16,32,64" },
} as const;

type Flags = { readonly [K in keyof typeof ATTACK_TABLE_FLAGS]?: string | boolean | undefined };

/** --attack-tables: "yes" (the default: after the grid) or "no". */
export function attackTablesWanted(flags: Flags): boolean {
  const mode = String(flags["attack-tables"]);
  if (mode !== "yes" && mode !== "no") throw new Error(`paper: --attack-tables expects yes or no, got '${mode}'`);
  return mode === "yes";
}

/** The tables with the sets and budgets the flags name; Shokri's shadows are the grid's --shadows. */
export async function attackTablesFromFlags(flags: Flags, base: Pick<AttackTablesOptions, "seed" | "epochs" | "runJobs" | "out" | "log"> & { readonly shadows: number }): Promise<string> {
  const list = (flag: keyof Flags) => String(flags[flag] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const budgets = (flag: keyof Flags) =>
    list(flag).map((s) => {
      if (!/^[1-9][0-9]*$/.test(s)) throw new Error(`paper: --${flag} expects positive integers separated by commas, got '${s}'`);
      return Number(s);
    });
  const load = (name: string) => loadDataset(name, { source: bundledDataSource() });
  const sets = await Promise.all(list("attack-datasets").map(load));
  const scaling = list("scaling-dataset")[0];
  return paperAttacks({
    ...base,
    datasets: sets,
    budgets: budgets("attack-budgets"),
    scalingDataset: scaling ? await load(scaling) : undefined,
    scalingBudgets: budgets("scaling-budgets"),
    shokriDatasets: sets,
    shokriShadows: base.shadows,
  });
}
