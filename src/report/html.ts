// report.html: one self-contained page (no scripts, no external assets): the results tables, ROC
// curves on linear and log-log axes as inline SVG, and the defences' trade-off between the
// target's accuracy and the attacks' success.
import { notLoweredLines, tradeOffRows } from "./trade-off.js";
import type { AttackResult, RocPoints } from "../attacks/types.js";
import { tprCell } from "./table.js";
import type { AuditRun, ReportDocument } from "./types.js";
import { formatVerdict, verdictOf, withInterval } from "./verdict.js";

// Okabe and Ito's colour-blind-safe set first, then Paul Tol's muted set for larger runs.
const COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255", "#117733", "#332288", "#999933", "#AA4499", "#44AA99", "#661100"];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}

const f3 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(3));
const pct = (x: number | undefined): string => (x === undefined ? "–" : `${(100 * x).toFixed(1)}%`);

interface Axis {
  readonly log: boolean;
  readonly min: number;
  readonly max: number;
}

const W = 360;
const H = 300;
const M = { left: 52, right: 12, top: 12, bottom: 40 };

function project(value: number, axis: Axis, from: number, to: number): number {
  const v = axis.log ? Math.log10(Math.max(value, axis.min)) : value;
  const lo = axis.log ? Math.log10(axis.min) : axis.min;
  const hi = axis.log ? Math.log10(axis.max) : axis.max;
  return from + ((v - lo) / (hi - lo)) * (to - from);
}

function ticks(axis: Axis): number[] {
  if (!axis.log) return [0, 0.2, 0.4, 0.6, 0.8, 1];
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(axis.min)); e <= 0; e++) out.push(10 ** e);
  return out;
}

const tickLabel = (v: number, axis: Axis): string => (axis.log ? (v >= 0.01 ? String(v) : `1e${Math.round(Math.log10(v))}`) : String(v));

function chart(title: string, x: Axis, y: Axis, xLabel: string, yLabel: string, body: (px: (v: number) => number, py: (v: number) => number) => string): string {
  const px = (v: number) => project(v, x, M.left, W - M.right);
  const py = (v: number) => project(v, y, H - M.bottom, M.top);
  const grid = [
    ...ticks(x).map((t) => `<line x1="${px(t)}" y1="${M.top}" x2="${px(t)}" y2="${H - M.bottom}" class="grid"/><text x="${px(t)}" y="${H - M.bottom + 14}" text-anchor="middle">${tickLabel(t, x)}</text>`),
    ...ticks(y).map((t) => `<line x1="${M.left}" y1="${py(t)}" x2="${W - M.right}" y2="${py(t)}" class="grid"/><text x="${M.left - 4}" y="${py(t) + 4}" text-anchor="end">${tickLabel(t, y)}</text>`),
  ].join("");
  return `<figure><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">
<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" class="frame"/>${grid}
${body(px, py)}
<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>
<text transform="translate(12 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>
</svg><figcaption>${escapeHtml(title)}</figcaption></figure>`;
}

function polyline(roc: RocPoints, px: (v: number) => number, py: (v: number) => number, color: string, floor: number, title: string): string {
  const points: string[] = [];
  for (let i = 0; i < roc.fpr.length; i++) {
    const f = roc.fpr[i]!;
    const t = roc.tpr[i]!;
    if (floor > 0 && (f < floor || t < floor)) continue;
    points.push(`${px(f).toFixed(1)},${py(t).toFixed(1)}`);
  }
  return `<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${points.join(" ")}"><title>${escapeHtml(title)}</title></polyline>`;
}

/** Attack families, one ROC panel each. */
function familyOf(name: string): string {
  if (/^(adversary-1|adversary-2|shokri|combined)/.test(name)) return "shadow-model attacks";
  if (/^(lira|rmia)/.test(name)) return "reference-model attacks (LiRA, RMIA)";
  return "threshold and metric attacks";
}

function rocCharts(run: AuditRun): string {
  const linear: Axis = { log: false, min: 0, max: 1 };
  // Log-log axes start at the lowest FPR the non-members resolve: below it a curve is only its first step.
  const lowest = Math.min(...run.attacks.map((a) => 1 / Math.max(1, a.metrics.nonMembers)));
  const log: Axis = { log: true, min: lowest, max: 1 };
  const color = new Map(run.attacks.map((a, i) => [a.name, COLORS[i % COLORS.length]!] as const));
  const curve = (a: AttackResult, px: (v: number) => number, py: (v: number) => number, floor: number) =>
    polyline(a.roc, px, py, color.get(a.name)!, floor, `${a.title}: AUC ${withInterval(a.metrics.auc, a.metrics.statistics?.auc)}`);
  const chance = (px: (v: number) => number, py: (v: number) => number, axis: Axis) =>
    `<line x1="${px(axis.min)}" y1="${py(axis.min)}" x2="${px(1)}" y2="${py(1)}" class="chance"><title>chance (TPR = FPR)</title></line>`;
  const legend = (attacks: readonly AttackResult[]) =>
    `<ul class="legend">${attacks.map((a) => `<li><span style="background:${color.get(a.name)}"></span>${escapeHtml(a.title)} (AUC ${f3(a.metrics.auc)})</li>`).join("")}</ul>`;
  const families = [...new Set(run.attacks.map((a) => familyOf(a.name)))];
  const panels = families.map((family) => {
    const members = run.attacks.filter((a) => familyOf(a.name) === family);
    return `<div class="panel">${chart(`${family}, log-log from FPR ${lowest.toPrecision(2)}`, log, log, "false positive rate", "true positive rate", (px, py) => chance(px, py, log) + members.map((a) => curve(a, px, py, lowest)).join("\n"))}${legend(members)}</div>`;
  });
  const overview = `<div class="panel">${chart("all attacks, linear axes", linear, linear, "false positive rate", "true positive rate", (px, py) => chance(px, py, linear) + run.attacks.map((a) => curve(a, px, py, 0)).join("\n"))}</div>`;
  return `<div class="charts">${panels.join("\n")}\n${overview}</div>`;
}

function attackTable(attacks: readonly AttackResult[]): string {
  const rows = attacks
    .map((a) => {
      const m = a.metrics;
      const st = m.statistics;
      const cells = [
        withInterval(m.auc, st?.auc),
        tprCell(a, "0.001"),
        tprCell(a, "0.01"),
        withInterval(m.advantage, st?.advantage),
        withInterval(m.precision, st?.precision),
        st ? f3(st.balancedPrecision) : "–",
        withInterval(m.recall, st?.recall),
        st ? st.epsilon.value.toFixed(2) : "–",
      ];
      return `<tr><th scope="row">${escapeHtml(a.title)}</th>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}<td class="rule">${escapeHtml(m.thresholdRule)} (${Number.isFinite(m.threshold) ? m.threshold.toPrecision(4) : String(m.threshold)})</td></tr>`;
    })
    .join("\n");
  const notes = attacks.flatMap((a) => (a.metrics.statistics?.degenerateThreshold ? [`<li><strong>${escapeHtml(a.title)}</strong>: ${escapeHtml(a.metrics.statistics.degenerateThreshold)}</li>`] : []));
  return `<table><thead><tr><th>attack</th><th>AUC</th><th>TPR @ 0.1% FPR</th><th>TPR @ 1% FPR</th><th>advantage</th><th>precision</th><th title="precision had members and non-members been equally many">precision @ 50% prior</th><th>recall</th><th title="(epsilon, delta) lower bound from the ROC">epsilon ≥</th><th>threshold</th></tr></thead><tbody>
${rows}</tbody></table>${notes.length > 0 ? `<ul class="degenerate">${notes.join("")}</ul>` : ""}`;
}

/** What the sample can and cannot resolve, stated above each table. */
function sampleLine(attacks: readonly AttackResult[]): string {
  const m = attacks[0]?.metrics;
  if (!m) return "";
  const st = m.statistics;
  const parts = [`${m.members} members, ${m.nonMembers} non-members (base rate ${pct(m.members / (m.members + m.nonMembers))})`];
  if (st) parts.push(`intervals at ${Math.round(100 * st.confidence)}% (AUC: DeLong; TPR, precision, recall: Clopper-Pearson; advantage: bootstrap of ${st.bootstrapResamples}); epsilon lower bounds at delta ${st.epsilon.delta}`);
  for (const k of ["0.001", "0.01"] as const) {
    if (Number(k) * m.nonMembers < 1) parts.push(`TPR at ${100 * Number(k)}% FPR is not resolvable with ${m.nonMembers} non-members (the lowest FPR they resolve is ${pct(1 / m.nonMembers)})`);
  }
  if (st?.balanced) parts.push(`balanced by subsampling ${st.balanced.side} from ${st.balanced.from} to ${st.balanced.to} (seeded)`);
  return `<p class="sample">${parts.map(escapeHtml).join("; ")}.</p>`;
}

function verdictSection(doc: ReportDocument): string {
  const v = doc.verdict ?? verdictOf(doc);
  const [, ...rest] = formatVerdict(v);
  const label = v.risk === "high" ? "High risk" : v.risk === "measurable" ? "Measurable leakage" : "No leakage detected";
  return `<section class="verdict ${v.risk}"><h2>Verdict: ${escapeHtml(label)}</h2><p class="sentence">${escapeHtml(v.sentence)}</p><ul>${rest
    .slice(0, -1)
    .map((line) => `<li>${escapeHtml(line.trim())}</li>`)
    .join("")}</ul><p class="about">About ${escapeHtml(v.defence === "none" ? "the model as trained (no defence)" : `the target with defence ${v.defence}`)}, the first run below; a valid result for these records at this confidence, not a proof that no stronger attack exists.</p></section>`;
}

function tradeOff(runs: readonly AuditRun[]): string {
  const withAccuracy = runs.filter((r) => r.target.testAccuracy !== undefined);
  if (withAccuracy.length < 2) return "";
  const names = [...new Set(withAccuracy.flatMap((r) => r.attacks.map((a) => a.name)))];
  const titles = new Map(withAccuracy.flatMap((r) => r.attacks.map((a) => [a.name, a.title] as const)));
  const accuracies = withAccuracy.map((r) => r.target.testAccuracy!);
  const lo = Math.max(0, Math.floor((Math.min(...accuracies) - 0.05) * 10) / 10);
  const hi = Math.min(1, Math.ceil((Math.max(...accuracies) + 0.05) * 10) / 10);
  const x: Axis = { log: false, min: lo, max: hi };
  const y: Axis = { log: false, min: 0, max: 1 };
  const marks = (metric: "auc" | "precision") => (px: (v: number) => number, py: (v: number) => number) => {
    // One dashed line and one label per defence; a dot per attack on it.
    const guides = withAccuracy
      .map((run, i) => {
        const x = px(run.target.testAccuracy!).toFixed(1);
        return `<line x1="${x}" y1="${M.top}" x2="${x}" y2="${H - M.bottom}" class="chance"/><text x="${x}" y="${M.top + 10 + 10 * i}" text-anchor="middle" class="mark">${escapeHtml(run.defence)}</text>`;
      })
      .join("");
    const dots = names
      .map((name, i) => {
        const color = COLORS[i % COLORS.length]!;
        return withAccuracy
          .flatMap((run) => {
            const a = run.attacks.find((r) => r.name === name);
            return a ? [`<circle cx="${px(run.target.testAccuracy!).toFixed(1)}" cy="${py(a.metrics[metric]).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeHtml(`${titles.get(name)} · ${run.defence}: ${f3(a.metrics[metric])}`)}</title></circle>`] : [];
          })
          .join("");
      })
      .join("\n");
    return guides + dots;
  };
  const legend = `<ul class="legend">${names.map((n, i) => `<li><span style="background:${COLORS[i % COLORS.length]}"></span>${escapeHtml(titles.get(n)!)}</li>`).join("")}</ul>`;
  const head = withAccuracy.map((r) => `<th>${escapeHtml(r.defence)}<br><small>${escapeHtml(r.target.kind)}</small></th>`).join("");
  const accuracyRow = `<tr><th scope="row">target train / test accuracy</th>${withAccuracy.map((r) => `<td>${pct(r.target.trainAccuracy)} / ${pct(r.target.testAccuracy)}</td>`).join("")}</tr>`;
  const summary = tradeOffRows(withAccuracy);
  const summaryRows = [
    `<tr><th scope="row">strongest attack: AUC</th>${summary.map((r) => `<td>${f3(r.strongestAuc)}${r.strongestAttack ? `<br><small>${escapeHtml(r.strongestAttack)}</small>` : ""}</td>`).join("")}</tr>`,
    `<tr><th scope="row">best TPR @ 0.1% FPR</th>${summary.map((r) => `<td>${f3(r.bestTprAtLowFpr)}</td>`).join("")}</tr>`,
    ...(summary.some((r) => r.epsilon !== undefined) ? [`<tr><th scope="row">epsilon (DP accountant)</th>${summary.map((r) => `<td>${r.epsilon !== undefined ? `${r.epsilon.toFixed(2)} at &delta; = ${r.delta}` : "–"}</td>`).join("")}</tr>`] : []),
  ].join("\n");
  const rows = names
    .map((n) => `<tr><th scope="row">${escapeHtml(titles.get(n)!)}</th>${withAccuracy.map((r) => { const a = r.attacks.find((x) => x.name === n); return `<td>${a ? `${f3(a.metrics.precision)} / ${f3(a.metrics.auc)}` : "–"}</td>`; }).join("")}</tr>`)
    .join("\n");
  return `<section><h2>Defence trade-off</h2>
<p>Each defence moves the target's test accuracy (x) and the attacks' success (y). A good defence moves points down, not left.</p>
<div class="charts">${chart("target test accuracy vs attack AUC", x, y, "target test accuracy", "attack AUC", marks("auc"))}
${chart("target test accuracy vs attack precision", x, y, "target test accuracy", "attack precision", marks("precision"))}</div>${legend}
<table><thead><tr><th>attack: precision / AUC</th>${head}</tr></thead><tbody>
${accuracyRow}
${summaryRows}
${rows}</tbody></table>${notLoweredLines(summary).map((line) => `<p>${escapeHtml(line)}.</p>`).join("")}</section>`;
}

export function renderReportHtml(doc: ReportDocument): string {
  const heading = doc.dataset
    ? `${escapeHtml(doc.dataset.name)}${doc.shadowDataset ? ` (adversary 2 shadow data: ${escapeHtml(doc.shadowDataset.name)})` : ""}`
    : "posteriors supplied by the caller";
  const runs = doc.runs
    .map((run) => {
      const t = run.target;
      const acc = t.trainAccuracy !== undefined ? `train accuracy ${pct(t.trainAccuracy)}, test accuracy ${pct(t.testAccuracy)}, gap ${pct(t.gap)}` : "accuracy unknown (no labels)";
      const title = t.kind === "external" ? "Target: posteriors supplied by the caller" : `Target ${escapeHtml(t.kind)} · defence: ${escapeHtml(run.defence)}`;
      return `<section><h2>${title}</h2><p>${acc}</p>${sampleLine(run.attacks)}${attackTable(run.attacks)}${rocCharts(run)}</section>`;
    })
    .join("\n");
  const config = Object.entries(doc.config)
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(typeof v === "string" ? v : JSON.stringify(v))}</td></tr>`)
    .join("");
  const versions = Object.entries(doc.versions).map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`).join(", ");
  const exposed = doc.mostExposed?.length
    ? `<section><h2>Most exposed records</h2><p>The records ${escapeHtml(doc.mostExposed[0]!.attack)} (the strongest attack by AUC, defence ${escapeHtml(doc.mostExposed[0]!.defence)}) ranks most member-like; the per-record file has every record under every attack.</p><table><thead><tr><th>rank</th><th>record</th><th>member</th><th>class</th><th>loss</th><th>score</th></tr></thead><tbody>${doc.mostExposed
        .map((r) => `<tr><td>${r.rank}</td><td>${r.member ? "member" : "non-member"} ${r.record}</td><td>${r.member ? "yes" : "no"}</td><td>${r.class ?? "?"}</td><td>${r.loss ?? "?"}</td><td>${r.score.toPrecision(4)}</td></tr>`)
        .join("")}</tbody></table></section>`
    : "";
  const notes = doc.notes.length > 0 ? `<section><h2>Notes</h2><ul>${doc.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul></section>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mlleaks audit: ${heading}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1360px;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:right}th[scope=row],thead th:first-child,thead th:last-child,.config td{text-align:left}
td{white-space:nowrap}td.rule{text-align:left;color:#555;font-size:12px;white-space:normal}
.charts{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}figcaption{text-align:center;color:#555}
svg text{font-size:10px;fill:#444}svg text.mark{font-size:9px;fill:#666}.frame{fill:none;stroke:#999}.grid{stroke:#eee}
.chance{stroke:#aaa;stroke-dasharray:4 3}
.verdict{border:2px solid #888;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}.verdict.high{border-color:#c62828;background:#fff5f5}.verdict.measurable{border-color:#ef6c00;background:#fffaf2}.verdict.not-detected{border-color:#2e7d32}
.verdict h2{border:0;margin-top:.6rem}.sentence{font-weight:600}.about,.sample{color:#555;font-size:13px}.degenerate{color:#8a4b00;font-size:13px}
.panel{max-width:360px}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem}.legend span{display:inline-block;width:12px;height:12px;margin-right:.35rem;vertical-align:-1px}
code{font-size:12px}
</style></head><body>
<h1>mlleaks membership-inference audit: ${heading}</h1>
${verdictSection(doc)}
<p>${
    doc.mode === "posteriors"
      ? `Fingerprint <code>${escapeHtml(doc.fingerprint)}</code> (SHA-256 of the canonical results). The posteriors were computed outside mlleaks, so this report can only promise that the same posteriors and seed ${doc.seed} give the same figures, not that the model behind them can be reproduced.`
      : `Seed ${doc.seed}. Fingerprint <code>${escapeHtml(doc.fingerprint)}</code> (SHA-256 of the canonical results; the same seed gives the same fingerprint on every machine and runtime).`
  }</p>
<p>Precision, recall and accuracy are for the member class at each attack's own threshold; AUC, TPR at low FPR and advantage (max TPR − FPR) are threshold-free. Figures read <code>0.772 [0.751, 0.793]</code>: the estimate and its confidence interval.</p>
${runs}
${tradeOff(doc.runs)}
${exposed}
${notes}
<section><h2>Configuration</h2><table class="config">${config}</table><p>${versions}</p></section>
</body></html>
`;
}
