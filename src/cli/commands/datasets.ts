// `mlleaks datasets list [--json]` and `mlleaks datasets fetch NAME [--data-dir DIR]`.
import { defaultDataDir } from "../../adapters/node/dataset-source.js";
import { availableDatasets } from "../../adapters/node/datasets.js";
import { fetchDataset } from "../../adapters/node/fetch-dataset.js";
import { BUNDLED_DATASETS } from "../../datasets/catalog.js";
import { REMOTE_SOURCES } from "../../datasets/remote.js";
import { CommandSpec, UsageError } from "../args.js";
import { createProgress, type Progress } from "../progress.js";

const dirOption = {
  type: "string",
  valueName: "DIR",
  description: "where fetched datasets live ($MLLEAKS_DATA_DIR, else ~/.cache/mlleaks/datasets)",
  aliases: ["dir"],
} as const;

export const datasetsListCommand: CommandSpec = {
  name: "datasets list",
  summary: "list the datasets available now (bundled and fetched)",
  usage: "mlleaks datasets list [--json] [--data-dir DIR]",
  options: {
    json: { type: "boolean", description: "print a JSON array of {name, records, features, classes, source}" },
    "data-dir": dirOption,
  },
  async run(options) {
    const rows = await availableDatasets(typeof options["data-dir"] === "string" ? options["data-dir"] : defaultDataDir());
    if (options.json) {
      console.log(JSON.stringify(rows, null, 2));
      return 0;
    }
    const header = ["name", "records", "features", "classes", "source"];
    const table = [header, ...rows.map((r) => [r.name, String(r.records), String(r.features), String(r.classes), r.source])];
    const widths = header.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    for (const row of table) console.log(row.map((cell, c) => (c >= 1 && c <= 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd());
    const fetchable = REMOTE_SOURCES.filter((r) => !rows.some((row) => row.name === r.name)).map((r) => r.name);
    if (fetchable.length > 0) console.log(`\nnot downloaded: ${fetchable.join(", ")} (mlleaks datasets fetch NAME)`);
    return 0;
  },
};

export const datasetsFetchCommand: CommandSpec = {
  name: "datasets fetch",
  summary: "download a dataset from its canonical site (checksum, resume, atomic)",
  usage: "mlleaks datasets fetch NAME [--data-dir DIR] [--mirror URL]",
  positionals: ["NAME"],
  options: {
    "data-dir": dirOption,
    mirror: { type: "string", valueName: "URL", description: "download from this base URL instead (same file names; checksums still apply)" },
  },
  async run(options, positionals) {
    const name = positionals[0];
    const names = REMOTE_SOURCES.map((r) => r.name);
    if (!name) throw new UsageError(`mlleaks datasets fetch: which dataset? expected one of ${names.join(", ")}`);
    const remote = REMOTE_SOURCES.find((r) => r.name === name);
    if (!remote) {
      const bundled = BUNDLED_DATASETS.some((d) => d.name === name) ? ` ('${name}' is bundled: nothing to fetch)` : "";
      throw new UsageError(`mlleaks datasets fetch: unknown dataset '${name}'${bundled}; expected one of ${names.join(", ")}`);
    }
    const dataDir = typeof options["data-dir"] === "string" ? options["data-dir"] : defaultDataDir();
    const sink = { isTTY: Boolean(process.stderr.isTTY), write: (text: string) => void process.stderr.write(text) };
    const bars = new Map<string, Progress>();
    const manifest = await fetchDataset(remote, {
      dataDir,
      mirror: typeof options.mirror === "string" ? options.mirror : undefined,
      log: (message) => {
        for (const bar of bars.values()) bar.finish();
        bars.clear();
        process.stderr.write(`${message}\n`);
      },
      onProgress: (file, done, total) => {
        let bar = bars.get(file);
        if (!bar) bars.set(file, (bar = createProgress(`fetch ${file}`, sink)));
        bar.update(done, total ?? done, `${(done / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ""} MB`);
      },
    });
    console.log(`${manifest.name}: ${manifest.records} records, ${manifest.features} features, ${manifest.classes} classes in ${dataDir}/${manifest.name}`);
    return 0;
  },
};
