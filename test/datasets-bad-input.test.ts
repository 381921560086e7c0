// Bad input: every error names the file, the line/column or byte offset, and what was expected.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DatasetFormatError, encodeNpy, gunzip, loadDataset, memorySource, parseCifarBatch, parseIdx, parseNpy, parseShokriCsv } from "../src/datasets/index.js";
import { parseCensus, parseDigits, parseDna, parseSupermarketArff } from "../src/datasets/tabular.js";
import { parseMailingLists } from "../src/datasets/text.js";
import { initKernels } from "../src/kernels/index.js";
import { ADULT_DATA, ADULT_TEST, cifarFile, gzipBytes, idxFile, text } from "./datasets-fixtures.js";

const bad = suite("datasets: bad input gives errors naming file, place and expectation");
bad.before(async () => {
  await initKernels();
});

async function rejects(promise: Promise<unknown> | (() => unknown), pattern: RegExp): Promise<DatasetFormatError | Error> {
  try {
    if (typeof promise === "function") promise();
    else await promise;
  } catch (error) {
    assert.instance(error, Error);
    assert.match((error as Error).message, pattern);
    return error as Error;
  }
  throw new assert.Assertion({ message: `expected an error matching ${pattern}`, generated: false, operator: "throws", expects: pattern, actual: "no error" });
}

const DNA_HEADER = [...Array.from({ length: 180 }, (_, i) => `V${i + 1}`), "Class"].join(",");
const dnaRow = (cls = "n", width = 180, bit = "1") => [...Array.from({ length: width }, (_, i) => (i === 0 ? bit : "0")), cls].join(",");
const CENSUS_HEADER = "wage,education,experience,ethnicity,smsa,region,parttime";

bad("truncated and corrupt gzip: named file, decompressed offset; the trailer size is checked", async () => {
  const gz = await gzipBytes(text("x".repeat(5000) + "hello world ".repeat(2000)));
  await rejects(gunzip(gz.subarray(0, gz.length - 9), "cut.csv.gz"), /^cut\.csv\.gz: .*truncated or corrupt gzip/);
  await rejects(gunzip(gz.subarray(0, 30), "cut2.csv.gz"), /^cut2\.csv\.gz: .*truncated or corrupt gzip/);
  const corrupt = gz.slice();
  corrupt[gz.length - 2]! ^= 0xff; // the stated size no longer matches (Node's zlib checks it too)
  await rejects(gunzip(corrupt, "size.gz"), /^size\.gz: .*(trailer states|truncated or corrupt gzip)/);
  await rejects(gunzip(text("plain text"), "plain.csv.gz"), /^plain\.csv\.gz: byte 0: expected the gzip magic number 1f 8b, found 70 6c/);
  await rejects(gunzip(new Uint8Array(0), "empty.gz"), /^empty\.gz: empty file, expected gzip data/);
  await rejects(gunzip(gz, "big.gz", { maxOutputBytes: 1000 }), /^big\.gz: gzip data expands beyond 1000 bytes/);
  // Through a loader: the vendored file name appears.
  await rejects(loadDataset("dna", { source: memorySource({ "dna.csv.gz": gz.subarray(0, 40) }) }), /^memory:dna\.csv\.gz: .*truncated or corrupt gzip/);
});

bad("IDX: wrong magic, unsupported type, header claiming more than the file, trailing bytes, label out of range, empty", async () => {
  await rejects(() => parseIdx(text("PK\x03\x04zip"), "img.idx"), /^img\.idx: byte 0: expected an IDX magic number 00 00 <type> <dims>, found 50 4b 03 04/);
  await rejects(() => parseIdx(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0), "f.idx"), /^f\.idx: byte 2: IDX element type 0x0d is not supported; expected 0x08/);
  // Claims 4,294,967,295 x 28 x 28 images: rejected from the header alone, before any allocation.
  const huge = idxFile([0xffffffff, 28, 28], [1, 2, 3]);
  await rejects(() => parseIdx(huge, "huge.idx"), /^huge\.idx: byte 16: the header claims shape 4294967295 x 28 x 28 \(\d+ bytes of data\) but the file holds only 3: truncated\?/);
  await rejects(() => parseIdx(idxFile([2, 2], [1, 2, 3, 4, 5]), "long.idx"), /^long\.idx: byte 16: 1 bytes after the 2 x 2 array/);
  await rejects(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0), "short.idx"), /^short\.idx: byte 4: truncated IDX header: 3 dimension sizes need 16 bytes, the file has 6/);
  await rejects(() => parseIdx(new Uint8Array(0), "empty.idx"), /^empty\.idx: empty file, expected an IDX array/);
  const source = memorySource({
    "t10k-images-idx3-ubyte": idxFile([2, 1, 1], [0, 0]),
    "t10k-labels-idx1-ubyte": idxFile([2], [3, 12]),
  });
  await rejects(loadDataset("fashion-mnist", { source }), /^memory:t10k-labels-idx1-ubyte: byte 9 \(label 1\): label 12 is outside 0\.\.9/);
  const mismatch = memorySource({ "t10k-images-idx3-ubyte": idxFile([2, 1, 1], [0, 0]), "t10k-labels-idx1-ubyte": idxFile([3], [1, 2, 3]) });
  await rejects(loadDataset("fashion-mnist", { source: mismatch }), /^memory:t10k-labels-idx1-ubyte: byte 4: holds 3 labels but memory:t10k-images-idx3-ubyte holds 2 images/);
});

bad("CIFAR: truncated record, out-of-range labels, empty file", async () => {
  const good = cifarFile([[1], [2]]);
  await rejects(() => parseCifarBatch(good.subarray(0, 3073 + 100), "data_batch_1.bin", "cifar10"), /^data_batch_1\.bin: byte 3073: file size 3173 is not a multiple of the cifar10 record size 3073: record 1 is cut short/);
  await rejects(() => parseCifarBatch(cifarFile([[1], [11]]), "b.bin", "cifar10"), /^b\.bin: byte 3073 \(record 1\): label 11 is outside 0\.\.9/);
  await rejects(() => parseCifarBatch(cifarFile([[25, 3]]), "train.bin", "cifar100"), /^train\.bin: byte 0 \(record 0\): coarse label 25 is outside 0\.\.19/);
  await rejects(() => parseCifarBatch(new Uint8Array(0), "e.bin", "cifar100"), /^e\.bin: empty file, expected cifar100 records of 3074 bytes/);
});

bad(".npy: wrong magic, fortran order, big-endian, unknown dtype, header claiming more data, trailing bytes, bad version", async () => {
  const good = encodeNpy(Float32Array.of(1, 2, 3, 4), [2, 2]);
  const edit = (from: string, to: string) => {
    const header = new TextDecoder("latin1").decode(good.subarray(10, 128)).replace(from, to);
    const out = good.slice();
    out.set(text(header), 10);
    return out;
  };
  await rejects(() => parseNpy(text("not numpy at all"), "p.npy"), /^p\.npy: byte 0: expected the \.npy magic string \\x93NUMPY, found 6e 6f 74/);
  await rejects(() => parseNpy(edit("False", "True "), "f.npy"), /^f\.npy: byte 10: fortran_order is True; expected a C-order array/);
  await rejects(() => parseNpy(edit("<f4", ">f4"), "be.npy"), /^be\.npy: byte 10: unsupported dtype '>f4' \(big-endian: .*\); expected one of '<f4', '<f8', '\|u1', '<i4', '<i8'/);
  await rejects(() => parseNpy(edit("<f4", "<c8"), "c.npy"), /^c\.npy: byte 10: unsupported dtype '<c8'/);
  await rejects(() => parseNpy(edit("(2, 2)", "(9, 2)"), "big.npy"), /^big\.npy: byte 128: the header claims shape \(9, 2\) of <f4, 72 bytes of data, but the file holds only 16/);
  await rejects(() => parseNpy(edit("(2, 2)", "(1, 2)"), "small.npy"), /^small\.npy: byte 136: 8 bytes after the end of the array/);
  await rejects(() => parseNpy(edit("'shape'", "'shope'"), "m.npy"), /^m\.npy: byte 10: malformed \.npy header/);
  const v9 = good.slice();
  v9[6] = 9;
  await rejects(() => parseNpy(v9, "v.npy"), /^v\.npy: byte 6: unsupported \.npy format version 9\.0/);
  const longHeader = good.slice();
  new DataView(longHeader.buffer).setUint16(8, 60000, true);
  await rejects(() => parseNpy(longHeader, "h.npy"), /^h\.npy: byte 8: header length 60000 runs past the end of the file/);
  await rejects(() => parseNpy(new Uint8Array(0), "e.npy"), /^e\.npy: empty file/);
});

bad("CSV tables: wrong column counts, non-numeric fields, unknown labels, bad headers, empty files", async () => {
  await rejects(() => parseDna(text(`${DNA_HEADER}\n${dnaRow()}\n${dnaRow("n", 179)}\n`), "dna.csv"), /^dna\.csv: line 3: expected 181 comma-separated fields, found 180/);
  await rejects(() => parseDna(text(`${DNA_HEADER}\n${dnaRow("xx")}\n`), "dna.csv"), /^dna\.csv: line 2, column Class: unknown value "xx"; expected one of ei, ie, n/);
  await rejects(() => parseDna(text(`${DNA_HEADER}\n${dnaRow("n", 180, "2")}\n`), "dna.csv"), /^dna\.csv: line 2, column V1: expected 0 or 1, found "2"/);
  await rejects(() => parseDna(text("a,b,c\n"), "dna.csv"), /^dna\.csv: line 1: expected the header V1,...,V180,Class/);
  await rejects(() => parseDna(text(`${DNA_HEADER}\n`), "dna.csv"), /^dna\.csv: no records after the header found/);
  await rejects(() => parseDna(new Uint8Array(0), "dna.csv"), /^dna\.csv: no header line found \(empty file\?\)/);
  await rejects(() => parseCensus(text(`${CENSUS_HEADER}\n354.94,seven,45,cauc,yes,northeast,no\n`), "cps.csv"), /^cps\.csv: line 2, column education: expected a number, found "seven"/);
  await rejects(() => parseCensus(text(`${CENSUS_HEADER}\n354.94,7,45,cauc,yes,mars,no\n`), "cps.csv"), /^cps\.csv: line 2, column region: unknown value "mars"; expected one of northeast, midwest, south, west/);
  await rejects(() => parseCensus(text(`${CENSUS_HEADER}\n1,2,3\n`), "cps.csv"), /^cps\.csv: line 2: expected 7 comma-separated fields, found 3/);
  await rejects(() => parseDigits(text(`${"0,".repeat(64)}10\n`), "digits.csv"), /^digits\.csv: line 1, column 65: unknown label 10; expected a digit 0\.\.9/);
  await rejects(() => parseDigits(text(`${"0,".repeat(63)}17,1\n`), "digits.csv"), /^digits\.csv: line 1, column 64: expected a pixel count 0\.\.16, found 17/);
  await rejects(() => parseSupermarketArff(text("@relation x\n@attribute a { t}\n@attribute total { low, high}\n@data\nt,medium\n"), "s.arff"), /^s\.arff: line 5, column total: unknown value "medium"; expected one of low, high/);
  await rejects(() => parseSupermarketArff(text("@relation x\n@attribute a { t}\n@attribute total { low, high}\n@data\nx,low\n"), "s.arff"), /^s\.arff: line 5, column department1: expected 't' or '\?', found "x"/);
  await rejects(() => parseSupermarketArff(text("@relation x\n"), "s.arff"), /^s\.arff: no @data line/);
  await rejects(() => parseMailingLists(text('{"list": "a", "text": "hi"}\n{"list": 3}\n'), "m.jsonl"), /^m\.jsonl: line 2: expected a JSON object with string fields "list" and "text"/);
  await rejects(() => parseMailingLists(text('{"list": "a", "text": "hi"}\n{oops\n'), "m.jsonl"), /^m\.jsonl: line 2: expected a JSON object \{"list", "text"\}/);
});

bad("Adult: wrong field count, unknown category, unknown income class, empty file", async () => {
  const load = (data: string, test = ADULT_TEST) => loadDataset("adult", { source: memorySource({ "adult.data": text(data), "adult.test": text(test) }) });
  await rejects(load(ADULT_DATA.replace("40, United-States, <=50K", "40, <=50K")), /^memory:adult\.data: line 1: expected 15 comma-separated fields .*found 14/);
  await rejects(load(ADULT_DATA.replace("State-gov", "Space-force")), /^memory:adult\.data: line 1, column workclass: unknown value "Space-force"; expected one of Private/);
  await rejects(load(ADULT_DATA, ADULT_TEST.replace(">50K.", "maybe.")), /^memory:adult\.test: line 3, column income: unknown value "maybe"; expected one of <=50K, >50K/);
  await rejects(load(ADULT_DATA.replace("77516", "lots")), /^memory:adult\.data: line 1, column fnlwgt: expected a number, found "lots"/);
  await rejects(load(""), /^memory:adult\.data: no records found \(empty file\?\)/);
});

bad("Shokri CSV: ragged rows, non-binary features, non-integer labels, empty file", async () => {
  const info = { name: "purchase100", provenance: "test." };
  await rejects(() => parseShokriCsv(text("1,0,1\n2,1\n"), "dataset_purchase", info), /^dataset_purchase: line 2: expected 3 comma-separated fields \(a label and 2 features, as line 1\), found 2/);
  await rejects(() => parseShokriCsv(text("1,0,1\n2,1,0,1\n"), "dataset_purchase", info), /^dataset_purchase: line 2: expected 3 comma-separated fields .*found 4/);
  await rejects(() => parseShokriCsv(text("1,0,1\n2,1,x\n"), "dataset_purchase", info), /^dataset_purchase: line 2, column 3: expected a binary feature 0 or 1, found "x"/);
  await rejects(() => parseShokriCsv(text("1,0,1\nseven,1,0\n"), "dataset_purchase", info), /^dataset_purchase: line 2, column 1 \(label\): expected a non-negative integer class label, found "seven"/);
  await rejects(() => parseShokriCsv(text("\n\n"), "dataset_purchase", info), /^dataset_purchase: no records found \(empty file\?\)/);
});

bad("missing files name the file; unknown dataset names list the known ones", async () => {
  await rejects(loadDataset("digits", { source: memorySource({}) }), /memory:optdigits\.csv\.gz: no such file/);
  await rejects(loadDataset("imagenet", { source: memorySource({}) }), /unknown dataset 'imagenet'; expected one of fashion-mnist, .*digits/);
});

bad.run();
