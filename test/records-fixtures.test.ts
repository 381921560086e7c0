// The PyTorch fixtures' .npz files (numpy.savez: stored; savez_compressed: deflated) read back with
// the shapes, counts and labels that fixtures.json records. Reads the package's files (Node, Deno).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { readRecords, toLabeledData } from "../src/records/index.js";
import { sha256Hex } from "../src/util/sha256.js";

const test = suite("records: the ONNX fixtures' .npz files");
const dir = new URL("../../test/fixtures/models/", import.meta.url);
const fixtures = JSON.parse(readFileSync(new URL("fixtures.json", dir), "utf8")) as {
  models: Record<string, { classes: number; npz_zip: string; n_members: number; n_nonmembers: number; n_population: number; class_counts_members: number[]; graph: { input: { shape: (string | number)[] } }; files: Record<string, string>; sha256: Record<string, string> }>;
};

for (const [name, model] of Object.entries(fixtures.models)) {
  test(`${name}: members, non-members and population (${model.npz_zip} entries)`, async () => {
    const recordShape = model.graph.input.shape.slice(1);
    for (const [part, count] of [["members", model.n_members], ["nonmembers", model.n_nonmembers], ["population", model.n_population]] as const) {
      const bytes = new Uint8Array(readFileSync(new URL(model.files[part]!, dir)));
      assert.is(await sha256Hex(bytes), model.sha256[part], `${part}: the fixture is unchanged`);
      const table = await readRecords(bytes, model.files[part]!);
      assert.equal(table.warnings, []);
      assert.is(table.rows, count);
      assert.equal(table.recordShape, recordShape);
      const data = toLabeledData(table, model.classes);
      assert.is(data.features.length, count * recordShape.reduce<number>((a, b) => a * Number(b), 1));
      assert.ok(data.features.every((v) => v >= 0 && v <= 1), "features are scaled to [0, 1]");
      if (part === "members") {
        const counts = new Array(model.classes).fill(0);
        for (const y of data.labels) counts[y]++;
        assert.equal(counts, model.class_counts_members);
      }
    }
  });
}

test.run();
