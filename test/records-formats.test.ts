import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { zipSync } from "fflate";
import { parquetWriteBuffer } from "hyparquet-writer";
import { encodeNpy } from "../src/datasets/npy.js";
import { parseCsv, readLabels, readRecords, toLabeledData } from "../src/records/index.js";

const test = suite("records: CSV, JSON lines, Parquet, .npy and .npz to labelled records");
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const values = (a: Float32Array | Int32Array): number[] => Array.from(a);

test("CSV with a named label column in the middle; features are all other columns, in order", async () => {
  const t = await readRecords(text("a,label,b\n1,0,2\n3,1,4\n"), "m.csv", { labelColumn: "label" });
  assert.equal([t.rows, t.recordShape], [2, [2]]);
  assert.equal(values(t.features), [1, 2, 3, 4]);
  assert.equal(values(t.labels!), [0, 1]);
  assert.equal(t.featureNames, ["a", "b"]);
  assert.equal(t.warnings, []);
  const d = toLabeledData(t);
  assert.is(d.numClasses, 2);
  assert.is(toLabeledData(t, 5).numClasses, 5);
});

test("CSV: a column called 'label' is the default label column; a feature subset by name or index", async () => {
  const t = await readRecords(text("x1,x2,x3,label\n1,2,3,0\n4,5,6,2\n"), "m.csv", { featureColumns: ["x3", 0] });
  assert.equal(values(t.features), [3, 1, 6, 4]);
  assert.equal(values(t.labels!), [0, 2]);
  const byIndex = await readRecords(text("x1,x2,x3,y\n1,2,3,0\n4,5,6,2\n"), "m.csv", { labelColumn: 3 });
  assert.equal(values(byIndex.labels!), [0, 2]);
  assert.equal(values(byIndex.features), [1, 2, 3, 4, 5, 6]);
});

test("CSV line endings: CRLF, LF and CR-only read the same; blank lines and a BOM are skipped", async () => {
  const lf = await readRecords(text("a,b,label\n0.5,1e-3,1\n\n-2,.25,0\n"), "lf.csv");
  for (const body of ["\uFEFFa,b,label\r\n0.5,1e-3,1\r\n\r\n-2,.25,0\r\n", "a,b,label\r0.5,1e-3,1\r\r-2,.25,0"]) {
    const t = await readRecords(text(body), "x.csv");
    assert.equal(values(t.features), values(lf.features));
    assert.equal(values(t.labels!), values(lf.labels!));
  }
  const cr = await readRecords(text("a,label\r1,0\r2,x\r"), "cr.csv").catch((e: Error) => e.message);
  assert.match(String(cr), /cr\.csv: line 3, column 'label'/);
});

test("CSV: RFC 4180 quoted fields, with commas, quotes and line breaks inside; line numbers stay right", async () => {
  const rows = parseCsv('name,"a, b","say ""hi"""\r\n"two\nlines",2,3\n', "q.csv");
  assert.equal(rows.cells, [["name", "a, b", 'say "hi"'], ["two\nlines", "2", "3"]]);
  assert.equal(rows.lines, [1, 2]);
  const t = await readRecords(text('"f 1","f,2","label"\n"1","2","cat"\n"3",4,"dog"\n'), "q.csv");
  assert.equal(t.featureNames, ["f 1", "f,2"]);
  assert.equal(values(t.features), [1, 2, 3, 4]);
  assert.throws(() => parseCsv('a,b\n"1,2\n', "open.csv"), /open\.csv: line 2, field 1: quoted field never closed/);
  assert.throws(() => parseCsv('a,b\n"1"x,2\n', "after.csv"), /after\.csv: line 2, field 1: unexpected "x" after a closing quote/);
  const late = await readRecords(text('a,"b\nb",label\n1,2,0\n3,,1\n'), "late.csv").catch((e: Error) => e.message);
  assert.match(String(late), /late\.csv: line 4, column 'b\nb': missing value/);
});

test("CSV class names are mapped in sorted order and reported; or mapped with given names", async () => {
  const t = await readRecords(text("f,species\n1,dog\n2,cat\n3,emu\n4,cat\n"), "n.csv", { labelColumn: "species" });
  assert.equal(values(t.labels!), [1, 0, 2, 0]);
  assert.equal(t.classNames, ["cat", "dog", "emu"]);
  assert.match(t.warnings.join("\n"), /class names in column 'species' mapped in sorted order: cat=0, dog=1, emu=2/);
  assert.is(toLabeledData(t).numClasses, 3);
  const given = await readRecords(text("f,species\n1,dog\n2,cat\n"), "g.csv", { labelColumn: "species", classNames: ["dog", "cat", "emu"] });
  assert.equal(values(given.labels!), [0, 1]);
  await assertRejects(readRecords(text("f,species\n1,owl\n"), "u.csv", { labelColumn: "species", classNames: ["dog", "cat"] }), /u\.csv: line 2, column 'species': unknown class name "owl"; expected one of dog, cat/);
  await assertRejects(readRecords(text("f,label\n1,dog\n2,1\n"), "mix.csv"), /mix\.csv: line 3, column 'label': label "1" is a number but line 2 holds a name/);
});

test("np.savetxt output (no header, floats everywhere): read as data with a warning; float labels as class indices", async () => {
  const body = "1.000000000000000000e+00 2.500000000000000000e-01 0.000000000000000000e+00\n".replaceAll(" ", ",") + "3.0e+00,4.0e+00,1.0e+00\n";
  const t = await readRecords(text(body), "savetxt.csv", { labelColumn: 2 });
  assert.equal([t.rows, t.recordShape], [2, [2]]);
  assert.equal(values(t.features), [1, 0.25, 3, 4]);
  assert.equal(values(t.labels!), [0, 1]);
  assert.match(t.warnings.join("\n"), /line 1 is all numbers, so it is read as data/);
  assert.match(t.warnings.join("\n"), /labels in column '2' are written as floats \(e\.g\. '0\.000000000000000000e\+00'\)/);
  const named = await readRecords(text(body), "savetxt.csv", { labelColumn: "2" });
  assert.equal(values(named.labels!), [0, 1]);
  await assertRejects(readRecords(text("1,2,0.5\n"), "half.csv", { labelColumn: 2 }), /half\.csv: line 1, column '2': label 0\.5 is not a class index/);
});

test("pandas df.to_csv(index=False) with default column names 0..n-1: line 1 is the header", async () => {
  const t = await readRecords(text("0,1,2\n0.5,0.25,1\n0.75,1,0\n"), "pandas.csv", { labelColumn: "2" });
  assert.is(t.rows, 2);
  assert.equal(values(t.features), [0.5, 0.25, 0.75, 1]);
  assert.equal(values(t.labels!), [1, 0]);
  assert.match(t.warnings.join("\n"), /line 1 \(0,1,2\) read as column names \(pandas' default names/);
  const asData = await readRecords(text("0,1,2\n0.5,0.25,1\n"), "pandas.csv", { labelColumn: 2, header: "absent" });
  assert.is(asData.rows, 2);
  // A numeric line 1 that names the label column is a header.
  const named = await readRecords(text("10,20,99\n1,2,0\n"), "named.csv", { labelColumn: "99" });
  assert.equal([named.rows, values(named.labels!)], [1, [0]]);
});

test("bad CSV input: each a named error (file, line, column)", async () => {
  await assertRejects(readRecords(text("a,b,label\n1,2,0\n"), "m.csv", { labelColumn: "target" }), /m\.csv: label column 'target' does not exist; the columns are 'a', 'b', 'label'/);
  await assertRejects(readRecords(text("a,b,label\n1,2,0\n"), "m.csv", { labelColumn: 7 }), /m\.csv: label column 7 does not exist; the file has 3 columns/);
  await assertRejects(readRecords(text("a,b,label\n1,2,0\n"), "m.csv", { featureColumns: ["c"] }), /m\.csv: feature column 'c' does not exist/);
  await assertRejects(readRecords(text("a,b,label\n1,,0\n"), "miss.csv"), /miss\.csv: line 2, column 'b': missing value; expected a number/);
  await assertRejects(readRecords(text("a,b,label\n1,2,0\n3,1\n"), "ragged.csv"), /ragged\.csv: line 3: expected 3 fields \(as on line 1\), found 2/);
  await assertRejects(readRecords(text("a,b,label\n1,abc,0\n"), "nan.csv"), /nan\.csv: line 2, column 'b': expected a decimal number, found "abc"/);
  await assertRejects(readRecords(text("a,b,label\n1,NaN,0\n"), "nan.csv"), /nan\.csv: line 2, column 'b': "NaN" is not a finite number/);
  await assertRejects(readRecords(text("a,b,label\n1,inf,0\n"), "inf.csv"), /inf\.csv: line 2, column 'b': "inf" is not a finite number/);
  await assertRejects(readRecords(text("a,b,label\n1,1e999,0\n"), "big.csv"), /big\.csv: line 2, column 'b': "1e999" overflows/);
  await assertRejects(readRecords(text("a,b,label\n1,0x1F,0\n"), "hex.csv"), /hex\.csv: line 2, column 'b': expected a decimal number, found "0x1F" \(hexadecimal/);
  await assertRejects(readRecords(text("a,label\n1,-1\n"), "neg.csv"), /neg\.csv: line 2, column 'label': label -1 is not a class index/);
  await assertRejects(readRecords(text("a,label\n1,0x1\n"), "hexl.csv"), /hexl\.csv: line 2, column 'label': label "0x1": hexadecimal/);
  await assertRejects(readRecords(text("a,label\n1,3\n"), "range.csv", { numClasses: 3 }), /range\.csv: line 2, column 'label': label 3 is out of range; expected a class index from 0 to 2/);
  await assertRejects(readRecords(text("a,label\n1,\n"), "nolabel.csv"), /nolabel\.csv: line 2, column 'label': missing label/);
  await assertRejects(readRecords(text("a,a\n1,2\n"), "dup.csv"), /dup\.csv: line 1: column 'a' appears twice/);
  await assertRejects(readRecords(text("a,label\n"), "head.csv"), /head\.csv: no records/);
  await assertRejects(readRecords(text(""), "empty.csv"), /empty\.csv: empty file/);
  await assertRejects(readRecords(Uint8Array.of(0xff, 0xfe, 0x41), "bin.csv"), /bin\.csv: not valid UTF-8/);
  await assertRejects(readRecords(text("a"), "data.xlsx"), /data\.xlsx: unknown file type; expected one of \.csv/);
  assert.throws(() => toLabeledData({ file: "f.csv", rows: 1, features: new Float32Array(1), recordShape: [1], warnings: [] }), /f\.csv: no labels: name the label column/);
});

test("JSON lines: features as columns or under one key (nested arrays keep their shape); labels by name", async () => {
  const columns = await readRecords(text('{"a": 1, "b": 2.5, "label": 0}\r\n{"a": 3, "b": 4, "label": 1}\n'), "c.jsonl");
  assert.equal([values(columns.features), values(columns.labels!)], [[1, 2.5, 3, 4], [0, 1]]);
  const nested = await readRecords(text('{"x": [[1, 2], [3, 4]], "y": "b"}\n{"x": [[5, 6], [7, 8]], "y": "a"}\n'), "n.jsonl", { labelColumn: "y", featuresKey: "x" });
  assert.equal(nested.recordShape, [2, 2]);
  assert.equal(values(nested.features), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal([values(nested.labels!), nested.classNames], [[1, 0], ["a", "b"]]);
  const array = await readRecords(text('[{"f": 1, "label": 1}, {"f": 2, "label": 0}]'), "a.json");
  assert.equal(values(array.labels!), [1, 0]);
  await assertRejects(readRecords(text('{"x": [1, 2], "label": 0}\n{"x": [1], "label": 1}\n'), "r.jsonl"), /r\.jsonl: line 2, column 'x': ragged array: expected shape \(2\)/);
  await assertRejects(readRecords(text('{"a": 1, "label": 0}\n{"a": null, "label": 1}\n'), "m.jsonl"), /m\.jsonl: line 2, column 'a': missing value/);
  await assertRejects(readRecords(text('{"a": 1, "label": 0}\n{"label": 1}\n'), "k.jsonl"), /k\.jsonl: line 2, column 'a': missing value: the field is absent/);
  await assertRejects(readRecords(text('{"a": 1, "label": 0}\n{"a": 1, "label": 0, "z": 2}\n'), "e.jsonl"), /e\.jsonl: line 2: unexpected field 'z'/);
  await assertRejects(readRecords(text('{"a": 1, "label": 0}\n{"a": 1,\n'), "j.jsonl"), /j\.jsonl: line 2: not valid JSON/);
  await assertRejects(readRecords(text('{"a": 1, "label": true}\n'), "b.jsonl"), /b\.jsonl: line 1, column 'label': expected a class index or a class name, found true/);
  await assertRejects(readRecords(text('{"a": 1, "label": {}}\n'), "o.jsonl"), /o\.jsonl: line 1, column 'label': expected a class index or a class name, found an object/);
  await assertRejects(readRecords(text('{"a": "x", "label": 1}\n'), "s.jsonl"), /s\.jsonl: line 1, column 'a': expected a decimal number, found "x"/);
  await assertRejects(readRecords(text('{"a": 1}\n[1, 2]\n'), "l.jsonl"), /l\.jsonl: line 2: expected an object/);
});

test("Parquet written by hyparquet-writer reads back: scalar columns, a list column, string labels", async () => {
  const bytes = new Uint8Array(parquetWriteBuffer({
    columnData: [
      { name: "f0", data: [0.5, 1.5, -2], type: "DOUBLE" },
      { name: "f1", data: Float32Array.of(1, 2, 3), type: "FLOAT" },
      { name: "count", data: [7, 8, 9], type: "INT32" },
      { name: "label", data: [2, 0, 1], type: "INT32" },
      { name: "kind", data: ["b", "a", "b"], type: "STRING" },
    ],
  }));
  const t = await readRecords(bytes, "p.parquet", { featureColumns: ["f0", "f1", "count"] });
  assert.equal([t.rows, t.recordShape], [3, [3]]);
  assert.equal(values(t.features), [0.5, 1, 7, 1.5, 2, 8, -2, 3, 9]);
  assert.equal(values(t.labels!), [2, 0, 1]);
  const named = await readRecords(bytes, "p.parquet", { labelColumn: "kind", featureColumns: ["f0"] });
  assert.equal([values(named.labels!), named.classNames], [[1, 0, 1], ["a", "b"]]);
  await assertRejects(readRecords(bytes, "p.parquet", { labelColumn: "species" }), /p\.parquet: label column 'species' does not exist; the columns are 'f0', 'f1', 'count', 'label', 'kind'/);
  await assertRejects(readRecords(bytes, "p.parquet"), /p\.parquet: row 0, column 'kind': expected a decimal number, found "b"/);
  const withNaN = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "f", data: [1, NaN], type: "DOUBLE" }, { name: "label", data: [0, 1], type: "INT32" }] }));
  await assertRejects(readRecords(withNaN, "nan.parquet"), /nan\.parquet: row 1, column 'f': NaN is not a finite number/);
  const withNull = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "f", data: [1, null], type: "DOUBLE" }, { name: "label", data: [0, 1], type: "INT32" }] }));
  await assertRejects(readRecords(withNull, "null.parquet"), /null\.parquet: row 1, column 'f': missing value/);
  await assertRejects(readRecords(bytes.subarray(0, bytes.length - 9), "cut.parquet"), /cut\.parquet: .*not a Parquet file|cut\.parquet: cannot read Parquet/);
});

test(".npy features with a separate labels file (.npy, one-column CSV or JSON lines)", async () => {
  const x = encodeNpy(Float32Array.of(1, 2, 3, 4, 5, 6), [3, 2]);
  const npyLabels = await readRecords(x, "x.npy", { labels: { bytes: encodeNpy(Int32Array.of(2, 0, 1), [3]), fileName: "y.npy" } });
  assert.equal([npyLabels.recordShape, values(npyLabels.labels!)], [[2], [2, 0, 1]]);
  const csvLabels = await readRecords(x, "x.npy", { labels: { bytes: text("label\n1\n1\n0\n"), fileName: "y.csv" } });
  assert.equal(values(csvLabels.labels!), [1, 1, 0]);
  const txtLabels = await readLabels({ bytes: text("1\n0\n"), fileName: "y.txt" });
  assert.equal(values(txtLabels.labels), [1, 0]);
  const reshaped = await readRecords(encodeNpy(new Float32Array(8), [2, 4]), "x.npy", { recordShape: [1, 2, 2] });
  assert.equal(reshaped.recordShape, [1, 2, 2]);
  await assertRejects(readRecords(x, "x.npy", { labels: { bytes: encodeNpy(Int32Array.of(1, 0), [2]), fileName: "y.npy" } }), /y\.npy: 2 labels for the 3 records of x\.npy/);
  await assertRejects(readRecords(x, "x.npy", { labels: { bytes: text("a,b\n1,2\n"), fileName: "y.csv" } }), /y\.csv: a labels file holds one column \(or the label column\); found 2/);
  await assertRejects(readRecords(x, "x.npy", { recordShape: [3] }), /x\.npy: record shape \(3\) holds 3 values, but each record has 2/);
  await assertRejects(readRecords(encodeNpy(Float64Array.of(1, Infinity), [2, 1]), "inf.npy"), /inf\.npy: record 1, value 0: Infinity is not a finite number/);
});

/** A .npz as numpy.savez (stored) or savez_compressed (deflated) writes it. */
function npz(entries: Record<string, Uint8Array>, level: 0 | 6): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(entries).map(([name, data]) => [`${name}.npy`, [data, { level }]])));
}

test(".npz, stored and deflated: x and y arrays; named keys; bad archives are named errors", async () => {
  const x = encodeNpy(Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7), [2, 2, 2]);
  const y = encodeNpy(BigInt64Array.of(1n, 0n), [2]);
  for (const level of [0, 6] as const) {
    const t = await readRecords(npz({ x, y }, level), "a.npz");
    assert.equal([t.rows, t.recordShape, values(t.labels!)], [2, [2, 2], [1, 0]]);
    assert.equal(values(t.features), [0, 1, 2, 3, 4, 5, 6, 7]);
  }
  const keyed = await readRecords(npz({ features: x, target: encodeNpy(Float64Array.of(1, 0), [2]) }, 6), "k.npz", { xKey: "features", yKey: "target" });
  assert.equal(values(keyed.labels!), [1, 0]);
  assert.match(keyed.warnings.join("\n"), /array 'target' is float64; read as integer class indices/);
  await assertRejects(readRecords(npz({ a: x }, 0), "nox.npz"), /nox\.npz: no array 'x' \(the features\); the archive holds 'a'/);
  await assertRejects(readRecords(npz({ x, y: encodeNpy(Int32Array.of(1, 0, 1), [3]) }, 0), "len.npz"), /len\.npz: array 'y': 3 labels for 2 records in 'x'/);
  await assertRejects(readRecords(npz({ x, y: encodeNpy(Float32Array.of(1, 0.5), [2]) }, 0), "half.npz"), /half\.npz: array 'y', element 1, column 'label': label 0\.5 is not a class index/);
  await assertRejects(readRecords(text("not a zip"), "bad.npz"), /bad\.npz: byte 0: not a \.npz archive/);
  const good = npz({ x, y }, 6);
  await assertRejects(readRecords(good.subarray(0, good.length - 30), "cut.npz"), /cut\.npz: not a readable \.npz \(zip\) archive/);
  // A central directory that declares a huge uncompressed size for a small deflated entry.
  const lying = good.slice();
  const view = new DataView(lying.buffer);
  for (let at = lying.length - 22; at >= 0; at--) {
    if (view.getUint32(at, true) === 0x02014b50) view.setUint32(at + 24, 0x7fffffff, true);
  }
  await assertRejects(readRecords(lying, "bomb.npz"), /bomb\.npz: entry 'x\.npy': declares 2147483647 bytes uncompressed from \d+ compressed, which is impossible/);
  const stored = npz({ x, y }, 0);
  const truncatedEntry = stored.slice();
  const sview = new DataView(truncatedEntry.buffer);
  for (let at = truncatedEntry.length - 22; at >= 0; at--) {
    if (sview.getUint32(at, true) === 0x02014b50) sview.setUint32(at + 20, 0x7ffffff0, true);
  }
  await assertRejects(readRecords(truncatedEntry, "size.npz"), /size\.npz: entry '[xy]\.npy': declares \d+ compressed bytes, more than the whole file/);
});

test("property: any table of finite float32 values with integer labels round-trips through CSV", async () => {
  const table = fc.record({
    width: fc.integer({ min: 1, max: 5 }),
    rows: fc.integer({ min: 1, max: 8 }),
    crlf: fc.constantFrom("\n", "\r\n", "\r"),
    quote: fc.boolean(),
  }).chain(({ width, rows, crlf, quote }) =>
    fc.record({
      values: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: width * rows, maxLength: width * rows }),
      labels: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: rows, maxLength: rows }),
      width: fc.constant(width),
      crlf: fc.constant(crlf),
      quote: fc.constant(quote),
    }),
  );
  await fc.assert(
    fc.asyncProperty(table, async ({ values: v, labels, width, crlf, quote }) => {
      const cell = (s: string) => (quote ? `"${s}"` : s);
      const header = [...Array.from({ length: width }, (_, i) => cell(`f${i}`)), "label"].join(",");
      const lines = labels.map((y, r) => [...v.slice(r * width, (r + 1) * width).map((x) => cell(String(x))), String(y)].join(","));
      const t = await readRecords(text([header, ...lines].join(crlf) + crlf), "p.csv");
      assert.equal(values(t.features), v.map((x) => Math.fround(x) + 0));
      assert.equal(values(t.labels!), labels);
    }),
    { seed: 9, numRuns: 200 },
  );
});

async function assertRejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}

test.run();
