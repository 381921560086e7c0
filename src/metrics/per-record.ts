// Per-record risk: every target record's score under each attack, with its membership, class,
// loss and rank (1 = the attack's most member-like record; ties share the best rank), one row per
// record and defence, and the records an attack exposes most.
import type { AttackInputData, AttackScores } from "../attacks/types.js";
import { crossEntropyLoss } from "../kernels/index.js";

/** One run's target (its released posteriors and labels) and each attack's scores on it. */
export interface PerRecordRun {
  readonly defence: string;
  readonly target: AttackInputData;
  readonly attacks: readonly { readonly name: string; readonly auc: number; readonly scores: Pick<AttackScores, "members" | "nonMembers"> }[];
}

/** Column-major: the fixed columns, then `score <attack>` and `rank <attack>` per attack. */
export interface PerRecordTable {
  readonly attacks: readonly string[];
  readonly defence: string[];
  /** The record's row in its side (members, or non-members). */
  readonly record: number[];
  readonly member: number[];
  /** null when the target's labels are unknown (posteriors only). */
  readonly class: (number | null)[];
  readonly loss: (number | null)[];
  readonly scores: Record<string, (number | null)[]>;
  readonly ranks: Record<string, (number | null)[]>;
}

/** Competition ranks of scores, highest first (1, 2, 2, 4 ...). */
export function descendingRanks(scores: Float64Array): Int32Array {
  const order = Uint32Array.from(scores, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const rank = new Int32Array(scores.length);
  for (let r = 0; r < order.length; r++) {
    const i = order[r]!;
    rank[i] = r > 0 && scores[i] === scores[order[r - 1]!] ? rank[order[r - 1]!]! : r + 1;
  }
  return rank;
}

export function perRecordTable(runs: readonly PerRecordRun[]): PerRecordTable {
  const attacks = [...new Set(runs.flatMap((r) => r.attacks.map((a) => a.name)))];
  const table: PerRecordTable = { attacks, defence: [], record: [], member: [], class: [], loss: [], scores: {}, ranks: {} };
  for (const name of attacks) {
    table.scores[name] = [];
    table.ranks[name] = [];
  }
  for (const { defence, target, attacks: scored } of runs) {
    const P = target.members.rows;
    const N = target.nonMembers.rows;
    const labels = target.membersLabels && target.nonMembersLabels ? [...target.membersLabels, ...target.nonMembersLabels] : undefined;
    const losses = target.membersLabels && target.nonMembersLabels ? [...crossEntropyLoss(target.members, target.membersLabels), ...crossEntropyLoss(target.nonMembers, target.nonMembersLabels)] : undefined;
    for (let i = 0; i < P + N; i++) {
      table.defence.push(defence);
      table.record.push(i < P ? i : i - P);
      table.member.push(i < P ? 1 : 0);
      table.class.push(labels ? labels[i]! : null);
      table.loss.push(losses ? losses[i]! : null);
    }
    for (const name of attacks) {
      const found = scored.find((a) => a.name === name);
      if (!found) {
        for (let i = 0; i < P + N; i++) table.scores[name]!.push(null), table.ranks[name]!.push(null);
        continue;
      }
      const all = Float64Array.from([...found.scores.members, ...found.scores.nonMembers]);
      const ranks = descendingRanks(all);
      for (let i = 0; i < P + N; i++) table.scores[name]!.push(all[i]!), table.ranks[name]!.push(ranks[i]!);
    }
  }
  return table;
}

export interface ExposedRecord {
  readonly defence: string;
  readonly attack: string;
  readonly record: number;
  readonly member: boolean;
  readonly class: number | null;
  readonly loss: number | null;
  readonly score: number;
  readonly rank: number;
}

/**
 * The `count` records ranked highest by the strongest attack (highest AUC) of the first run: the
 * records an attacker would call members first.
 */
export function mostExposed(runs: readonly PerRecordRun[], table: PerRecordTable, count = 10): ExposedRecord[] {
  const first = runs[0];
  if (!first || first.attacks.length === 0) return [];
  const strongest = first.attacks.reduce((best, a) => (a.auc > best.auc ? a : best));
  const rows = Array.from({ length: first.target.members.rows + first.target.nonMembers.rows }, (_, i) => i); // the first run's rows lead the table
  rows.sort((a, b) => table.ranks[strongest.name]![a]! - table.ranks[strongest.name]![b]! || a - b);
  return rows.slice(0, count).map((i) => ({
    defence: first.defence,
    attack: strongest.name,
    record: table.record[i]!,
    member: table.member[i] === 1,
    class: table.class[i]!,
    loss: table.loss[i] === null ? null : Math.round(table.loss[i]! * 1e6) / 1e6,
    score: table.scores[strongest.name]![i]!,
    rank: table.ranks[strongest.name]![i]!,
  }));
}

const csvField = (v: string | number | null): string => (v === null ? "" : typeof v === "number" ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The table as CSV (header row; empty fields where a value is unknown). */
export function perRecordCsv(table: PerRecordTable): string {
  const header = ["defence", "record", "member", "class", "loss", ...table.attacks.flatMap((a) => [`score ${a}`, `rank ${a}`])];
  const lines = [header.map(csvField).join(",")];
  for (let i = 0; i < table.record.length; i++) {
    const row = [table.defence[i]!, table.record[i]!, table.member[i]!, table.class[i]!, table.loss[i]!, ...table.attacks.flatMap((a) => [table.scores[a]![i]!, table.ranks[a]![i]!])];
    lines.push(row.map(csvField).join(","));
  }
  return lines.join("\n") + "\n";
}

/** The table as Parquet (hyparquet-writer; nullable class and loss). */
export async function perRecordParquet(table: PerRecordTable): Promise<ArrayBuffer> {
  const { parquetWriteBuffer } = await import("hyparquet-writer");
  return parquetWriteBuffer({
    columnData: [
      { name: "defence", data: table.defence, type: "STRING" },
      { name: "record", data: table.record, type: "INT32" },
      { name: "member", data: table.member, type: "INT32" },
      { name: "class", data: table.class, type: "INT32" },
      { name: "loss", data: table.loss, type: "DOUBLE" },
      ...table.attacks.flatMap((a) => [
        { name: `score ${a}`, data: table.scores[a]!, type: "DOUBLE" as const },
        { name: `rank ${a}`, data: table.ranks[a]!, type: "INT32" as const },
      ]),
    ],
  });
}
