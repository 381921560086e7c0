// npm run paper: the ML-Leaks grid on every bundled dataset, written to results/paper.md (with the
// paper's headline beside each figure where the paper gives one) and results/paper/<dataset>/report.*.
//   node dist/bench/paper.js [--datasets a,b] [--epochs 50] [--shadows 10] [--cnn-part-size N (default 0: a full quarter, as for the dense sets)]
//                            [--cnn-shadows 3] [--workers N] [--seed 0] [--out results]
//                            [--defence-datasets purchase] [--only defences|attacks]
//                            [--attack-tables yes|no] [--attack-datasets purchase,dna] [--attack-budgets 1,4,16]
//                            [--scaling-dataset purchase] [--scaling-budgets 1,2,4,8,16,32,64] (bench/paper-attacks.ts)
import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../src/adapters/node/fs.js";
import { bundledDataSource } from "../src/adapters/node/dataset-source.js";
import { nodeWorkers } from "../src/adapters/node/workers.js";
import { runAttack } from "../src/attacks/run.js";
import { topKShadowAttack } from "../src/attacks/shadow.js";
import type { AttackInputData, AttackResult } from "../src/attacks/types.js";
import { attackModelTrainer, audit, AUDIT_DEFAULTS, defaultModel, trainingJob, type ExtraAttack, type JobRunner } from "../src/audit.js";
import { writeReports } from "../src/cli/reports.js";
import { BUNDLED_DATASETS } from "../src/datasets/catalog.js";
import { loadDataset, mlLeaksSplit, subsetDataset, type Dataset } from "../src/datasets/index.js";
import { initKernels, Pcg32 } from "../src/kernels/index.js";
import { initModelBackend } from "../src/models/backend.js";
import "../src/models/engines.js";
import { trainInParallel, type TrainingJob } from "../src/models/parallel.js";
import { ATTACK_TABLE_FLAGS, attackTablesFromFlags, attackTablesWanted } from "./paper-attacks.js";
import { fingerprintReport } from "../src/report/json.js";
import type { AuditReport } from "../src/report/types.js";
import type { Posteriors } from "../src/types.js";
import { writeDefenceGrid } from "./paper-defences.js";

const { values: args } = parseArgs({
  options: {
    datasets: { type: "string", default: BUNDLED_DATASETS.map((d) => d.name).join(",") },
    epochs: { type: "string", default: String(AUDIT_DEFAULTS.epochs) },
    shadows: { type: "string", default: String(AUDIT_DEFAULTS.shadows) },
    "cnn-part-size": { type: "string", default: "0" },
    "cnn-shadows": { type: "string", default: "3" },
    workers: { type: "string", default: String(availableParallelism()) },
    seed: { type: "string", default: "0" },
    out: { type: "string", default: "results" },
    "defence-datasets": { type: "string", default: "purchase" },
    only: { type: "string" },
    ...ATTACK_TABLE_FLAGS,
  },
});
const integer = (name: keyof typeof args): number => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`paper: --${name} expects a non-negative integer, got '${String(args[name])}'`);
  return value;
};
const epochs = integer("epochs");
const shadows = integer("shadows");
const cnnPartSize = integer("cnn-part-size");
const cnnShadows = integer("cnn-shadows");
const workers = Math.max(1, integer("workers"));
const seed = integer("seed");
const out = resolve(args.out!);
const names = args.datasets!.split(",").map((s) => s.trim()).filter(Boolean);

const runJobs: JobRunner = (jobs, hooks) => trainInParallel(jobs, { adapter: nodeWorkers, workers, ...hooks });
const log = (line: string) => process.stderr.write(`[paper ${((performance.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
const started = performance.now();

await initKernels();
const backend = await initModelBackend();
// The attack tables (bench/paper-attacks.ts): after the grid, or alone with --only attacks.
const attackTables = () => attackTablesFromFlags(args, { shadows, seed, epochs, runJobs, out, log });
const withAttackTables = attackTablesWanted(args);
if (args.only === "attacks") {
  await attackTables();
  process.exit(0);
}
const datasets: Dataset[] = [];
for (const name of names) datasets.push(await loadDataset(name, { source: bundledDataSource() }));
const usesCnn = (d: Dataset) => defaultModel(d) === "cnn";
const partSizeOf = (d: Dataset) => (usesCnn(d) && cnnPartSize > 0 ? Math.min(cnnPartSize, Math.floor(d.labels.length / 4)) : Math.floor(d.labels.length / 4));
const shadowsOf = (d: Dataset) => (usesCnn(d) ? cnnShadows : shadows);
const defenceGrid = async () => {
  const sets: Dataset[] = [];
  for (const name of args["defence-datasets"]!.split(",").map((s) => s.trim()).filter(Boolean)) sets.push(await loadDataset(name, { source: bundledDataSource() }));
  return writeDefenceGrid({ datasets: sets, seed, epochs, shadows, partSizeOf, runJobs, out, tfjsVersion: backend.tfjsVersion, log });
};
if (args.only !== undefined && args.only !== "defences" && args.only !== "attacks") throw new Error(`paper: --only expects 'defences' or 'attacks', got '${args.only}'`);
if (args.only === "defences") {
  await defenceGrid();
  process.exit(0);
}
const config = { engine: "auto" as const, epochs, attackEpochs: AUDIT_DEFAULTS.attackEpochs, batchSize: 100, learningRate: 0.001, l2: 1e-7 };

// 1. One full audit per dataset: adversaries 1 and 3, Shokri, combined, metric attacks, LiRA/RMIA
//    (dense targets), against the target without defence, with dropout and with stacking.
const audits = new Map<string, AuditReport>();
for (const d of datasets) {
  const attacks: ExtraAttack[] = ["shokri", "combined", "loss", "modified-entropy", "correctness", ...(usesCnn(d) ? [] : (["lira", "rmia"] as ExtraAttack[]))];
  log(`audit ${d.name}: parts of ${partSizeOf(d)}, ${defaultModel(d)}, ${shadowsOf(d)} Shokri shadows`);
  const report = await audit({
    dataset: d,
    seed,
    adversaries: [1, 3],
    attacks,
    defences: ["none", "dropout", "stacking"],
    partSize: partSizeOf(d),
    epochs,
    shadows: shadowsOf(d),
    runJobs,
  });
  audits.set(d.name, report);
  await writeReports(report, join(out, "paper", d.name), {}, { tfjs: backend.tfjsVersion });
}

// 2. Each dataset's undefended target and one shadow, once, for the transfer matrix and top-k ablation.
log("targets and shadows for the transfer matrix");
const answers = new Map<string, { target: AttackInputData; shadow: AttackInputData }>();
{
  const jobs: TrainingJob[] = [];
  const splits = datasets.map((d) => mlLeaksSplit(d, { seed, partSize: partSizeOf(d) }));
  datasets.forEach((d, i) => {
    const s = splits[i]!;
    const q = (x: Dataset) => ({ features: x.features, rows: x.labels.length });
    jobs.push(trainingJob(config, defaultModel(d), d, s.targetTrain, seed * 1000 + 2 * i, [q(s.targetTrain), q(s.targetOut)]));
    jobs.push(trainingJob(config, defaultModel(d), d, s.shadowTrain, seed * 1000 + 2 * i + 1, [q(s.shadowTrain), q(s.shadowOut)]));
  });
  const results = await runJobs(jobs, {});
  datasets.forEach((d, i) => {
    const s = splits[i]!;
    const pair = (r: number, a: Dataset, b: Dataset): AttackInputData => ({
      members: results[r]!.posteriors[0]!,
      nonMembers: results[r]!.posteriors[1]!,
      membersLabels: a.labels,
      nonMembersLabels: b.labels,
    });
    answers.set(d.name, { target: pair(2 * i, s.targetTrain, s.targetOut), shadow: pair(2 * i + 1, s.shadowTrain, s.shadowOut) });
  });
}
const trainAttackModel = attackModelTrainer(config);
const topKAttack = async (target: AttackInputData, shadow: AttackInputData, k: number, s: number): Promise<AttackResult> =>
  runAttack(topKShadowAttack(`top-${k}`, `top-${k}`, k), target, { seed: s, shadow, trainAttackModel });

log("transfer matrix (adversary 2)");
const transfer = new Map<string, AttackResult>();
for (const t of datasets) {
  for (const s of datasets) {
    if (s === t) continue;
    const k = Math.min(3, t.numClasses, s.numClasses);
    transfer.set(`${t.name}|${s.name}`, await topKAttack(answers.get(t.name)!.target, answers.get(s.name)!.shadow, k, seed + 17));
  }
}

log("top-k ablation");
const topK = new Map<string, Map<number, AttackResult>>();
for (const d of datasets) {
  const ks = [...new Set([1, 2, 3, 5, 10, d.numClasses])].filter((k) => k <= d.numClasses).sort((a, b) => a - b);
  const row = new Map<number, AttackResult>();
  for (const k of ks) row.set(k, await topKAttack(answers.get(d.name)!.target, answers.get(d.name)!.shadow, k, seed + 23));
  topK.set(d.name, row);
}

// 3. Number of shadow models (adversary 1 with n shadows pooled), on the dense datasets.
log("shadow-count ablation");
const shadowCounts = [1, 2, 5, 10].filter((n) => n <= Math.max(shadows, 1));
const shadowAblation = new Map<string, Map<number, AttackResult>>();
for (const d of datasets.filter((x) => !usesCnn(x)).slice(0, 3)) {
  const s = mlLeaksSplit(d, { seed, partSize: partSizeOf(d) });
  const all = new Int32Array([...s.indices.shadowTrain, ...s.indices.shadowOut]);
  const half = Math.floor(all.length / 2);
  const halves = Array.from({ length: Math.max(...shadowCounts) }, (_, i) => {
    const order = new Pcg32(seed + 31 * (i + 1), 1).shuffle(all.slice());
    return { members: subsetDataset(d, order.slice(0, half).sort(), "in"), nonMembers: subsetDataset(d, order.slice(half, 2 * half).sort(), "out") };
  });
  const q = (x: Dataset) => ({ features: x.features, rows: x.labels.length });
  const results = await runJobs(
    halves.map((h, i) => trainingJob(config, defaultModel(d), d, h.members, seed * 7919 + i, [q(h.members), q(h.nonMembers)])),
    {},
  );
  const row = new Map<number, AttackResult>();
  for (const n of shadowCounts) {
    const pooled = poolAnswers(results.slice(0, n).map((r, i) => ({ members: r.posteriors[0]!, nonMembers: r.posteriors[1]!, membersLabels: halves[i]!.members.labels, nonMembersLabels: halves[i]!.nonMembers.labels })));
    row.set(n, await topKAttack(answers.get(d.name)!.target, pooled, Math.min(3, d.numClasses), seed + 29));
  }
  shadowAblation.set(d.name, row);
}

function poolAnswers(inputs: AttackInputData[]): AttackInputData {
  const cat = (ps: Posteriors[]): Posteriors => {
    const values = new Float32Array(ps.reduce((n, p) => n + p.values.length, 0));
    let offset = 0;
    for (const p of ps) {
      values.set(p.values, offset);
      offset += p.values.length;
    }
    return { values, rows: values.length / ps[0]!.classes, classes: ps[0]!.classes };
  };
  const labels = (ls: Int32Array[]) => Int32Array.from(ls.flatMap((l) => Array.from(l)));
  return {
    members: cat(inputs.map((i) => i.members)),
    nonMembers: cat(inputs.map((i) => i.nonMembers)),
    membersLabels: labels(inputs.map((i) => i.membersLabels!)),
    nonMembersLabels: labels(inputs.map((i) => i.nonMembersLabels!)),
  };
}

// 4. The markdown.
const seconds = (performance.now() - started) / 1000;
const f = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(2));
const pct = (x: number | undefined) => (x === undefined ? "–" : `${(100 * x).toFixed(1)}%`);
const paperName = new Map(BUNDLED_DATASETS.map((d) => [d.name, d.paperDataset]));
const find = (report: AuditReport, defence: string, attack: string) =>
  report.runs.find((r) => r.defence.startsWith(defence))?.attacks.find((a) => a.name === attack);
const pr = (a: AttackResult | undefined) => (a ? `${f(a.metrics.precision)} / ${f(a.metrics.recall)} / ${f(a.metrics.auc)}` : "–");
const lines: string[] = [];
lines.push(
  "# ML-Leaks on the bundled datasets",
  "",
  `Generated by \`npm run paper\` (bench/paper.ts) in ${(seconds / 60).toFixed(1)} minutes on ${availableParallelism()} cores with ${workers} training workers; seed ${seed}; ${epochs} epochs; ` +
    `Node ${process.versions.node}, tfjs ${backend.tfjsVersion} (${backend.backend}${backend.simd ? " SIMD" : ""}) for the CNN, the fused AssemblyScript engine for dense models.`,
  "",
  "The bundled datasets are small, openly licensed stand-ins for the paper's (column \"paper's\"); their parts are smaller than the paper's " +
    `(${datasets.map((d) => `${d.name} ${partSizeOf(d)}`).join(", ")} records a part), so figures are comparable in kind, not digit for digit. ` +
    "Every figure is reproducible: the same seed gives the same fingerprints (results/paper/<dataset>/report.json).",
  "",
  ...(() => {
    const left = BUNDLED_DATASETS.map((d) => d.name).filter((n) => !names.includes(n));
    return left.length > 0 ? [`This run left out ${left.join(", ")} (\`--datasets\` chooses the sets; by default all seven run).`, ""] : [];
  })(),
  "Cells are precision / recall / AUC of the member class unless stated.",
  "",
  "## Adversary 1 against Shokri et al.",
  "",
  "Paper's headline (CIFAR-100, CNN): adversary 1 precision 0.95, recall 0.95; Shokri 0.95 / 0.94 with 10 shadow models and 100 attack models. Claim: one shadow model is as strong as many.",
  "",
  "| dataset (paper's) | target | train / test acc. | adversary 1 | Shokri (shadows) | combined adv. 1 | fingerprint |",
  "|---|---|---|---|---|---|---|",
);
for (const d of datasets) {
  const r = audits.get(d.name)!;
  const none = r.runs[0]!;
  lines.push(
    `| ${d.name} (${paperName.get(d.name)}) | ${none.target.kind} | ${pct(none.target.trainAccuracy)} / ${pct(none.target.testAccuracy)} | ${pr(find(r, "none", "adversary-1"))} | ${pr(find(r, "none", "shokri"))} (${shadowsOf(d)}) | ${pr(find(r, "none", "combined"))} | \`${(await fingerprintReport(r)).slice(0, 12)}\` |`,
  );
}
lines.push(
  "",
  "## Adversary 2: data transfer (AUC; rows: target dataset, columns: the shadow's dataset)",
  "",
  "Paper's headline: a shadow trained on News attacks a CIFAR-100 target at precision 0.94, recall 0.93. Claim: the top-3 sorted posteriors transfer across datasets. Top-k here is min(3, both class counts).",
  "",
  `| target \\ shadow | ${datasets.map((d) => d.name).join(" | ")} |`,
  `|---|${datasets.map(() => "---").join("|")}|`,
);
for (const t of datasets) {
  const cells = datasets.map((s) => (s === t ? `(${f(find(audits.get(t.name)!, "none", "adversary-1")?.metrics.auc)})` : f(transfer.get(`${t.name}|${s.name}`)?.metrics.auc)));
  lines.push(`| ${t.name} | ${cells.join(" | ")} |`);
}
lines.push("", "Diagonal, in brackets: adversary 1 (same-distribution shadow) for comparison.", "", "Precision / recall of the same transfer attacks:", "");
lines.push(`| target \\ shadow | ${datasets.map((d) => d.name).join(" | ")} |`, `|---|${datasets.map(() => "---").join("|")}|`);
for (const t of datasets) {
  lines.push(`| ${t.name} | ${datasets.map((s) => (s === t ? "–" : (() => { const a = transfer.get(`${t.name}|${s.name}`)!; return `${f(a.metrics.precision)} / ${f(a.metrics.recall)}`; })())).join(" | ")} |`);
}
lines.push(
  "",
  "## Adversary 3: no shadow model (threshold from 1,000 noise queries, top 10 percentile)",
  "",
  "Paper's claim: the maximum posterior alone separates members well (high AUC where the target overfits), and a threshold at the top-t percentile of noise queries' scores, t around 10, works across datasets.",
  "",
  "| dataset | max posterior: P / R / AUC | entropy: P / R / AUC | loss AUC | modified entropy AUC | correctness AUC | LiRA offline / online AUC, TPR@0.1% | RMIA AUC, TPR@0.1% |",
  "|---|---|---|---|---|---|---|---|",
);
for (const d of datasets) {
  const r = audits.get(d.name)!;
  const a = (name: string) => find(r, "none", name);
  const lira = a("lira-offline") ? `${f(a("lira-offline")!.metrics.auc)} / ${f(a("lira-online")!.metrics.auc)}, ${pct(a("lira-online")!.metrics.tprAtFpr["0.001"])}` : "–";
  const rmia = a("rmia") ? `${f(a("rmia")!.metrics.auc)}, ${pct(a("rmia")!.metrics.tprAtFpr["0.001"])}` : "–";
  lines.push(`| ${d.name} | ${pr(a("adversary-3-max"))} | ${pr(a("adversary-3-entropy"))} | ${f(a("loss")?.metrics.auc)} | ${f(a("modified-entropy")?.metrics.auc)} | ${f(a("correctness")?.metrics.auc)} | ${lira} | ${rmia} |`);
}
lines.push(
  "",
  "LiRA and RMIA use the audit's reference models (as many as Shokri's shadows, each on a random half of the target's members and non-members, as many records as the target); the field's headlines are on CIFAR-10 with far more models (LiRA: 8.4% TPR at 0.1% FPR, AUC about 0.72 with 256 shadows; RMIA offline: AUC about 0.69 with one reference model).",
  "",
  "## Defences: dropout (rate 0.5) and model stacking",
  "",
  "Paper's claim: both cut the attacks sharply while the target keeps most of its accuracy.",
  "",
  "| dataset | defence | train / test acc. | adversary 1 | adversary 3 (max) | Shokri |",
  "|---|---|---|---|---|---|",
);
for (const d of datasets) {
  for (const run of audits.get(d.name)!.runs) {
    const a = (name: string) => run.attacks.find((x) => x.name === name);
    lines.push(`| ${d.name} | ${run.defence} | ${pct(run.target.trainAccuracy)} / ${pct(run.target.testAccuracy)} | ${pr(a("adversary-1"))} | ${pr(a("adversary-3-max"))} | ${pr(a("shokri"))} |`);
  }
}
lines.push("", "## Ablation: number of top posteriors the attack model sees (adversary 1; precision / recall / AUC)", "", "Paper's claim: top-3 keeps nearly all of the signal.", "");
for (const d of datasets) {
  const row = topK.get(d.name)!;
  lines.push(`- ${d.name}: ${[...row.entries()].map(([k, a]) => `k=${k}: ${pr(a)}`).join("; ")}`);
}
lines.push("", "## Ablation: number of shadow models pooled (adversary 1, each shadow on a random half of the attacker's data)", "", "Paper's claim: more shadow models add little over one.", "");
for (const [name, row] of shadowAblation) lines.push(`- ${name}: ${[...row.entries()].map(([n, a]) => `${n} shadow${n === 1 ? "" : "s"}: ${pr(a)}`).join("; ")}`);
lines.push("", ...(await defenceGrid()));
lines.push("", `Total runtime: ${(seconds / 60).toFixed(1)} minutes.`, "");
await mkdir(out, { recursive: true });
await writeFileAtomic(join(out, "paper.md"), lines.join("\n"));
log(`wrote ${join(out, "paper.md")} in ${(seconds / 60).toFixed(1)} minutes`);
if (withAttackTables) await attackTables();
