// Jobs as content-addressed bytes (src/models/job-codec.ts): hashes shared across a batch give the
// same keys as hashing each job alone; a blob that does not match its SHA-256 is refused.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { BlobHashes, blobRefs, decodeTrainingJob, encodeTrainingJob, InvalidJobError, verifyBlob } from "../src/models/job-codec.js";
import type { TrainingJob } from "../src/models/parallel.js";

const codec = suite("job codec");

const queries = Float32Array.from({ length: 8 * 4 }, (_, i) => (i % 5) / 5);
const job = (seed: number, offset: number): TrainingJob => ({
  kind: "mlp",
  spec: { inputShape: [4], numClasses: 3, engine: "fused" },
  data: { features: Float32Array.from({ length: 20 * 4 }, (_, i) => ((i + offset) % 7) / 7), recordShape: [4], labels: Int32Array.from({ length: 20 }, (_, i) => (i + offset) % 3), numClasses: 3 },
  options: { seed, epochs: 2 },
  predict: [{ features: queries, rows: 8 }, { features: queries.subarray(0, 4 * 4), rows: 4 }],
});

codec("a batch's shared hashes give each job the key it has alone; shared arrays are one blob", async () => {
  const hashes = new BlobHashes();
  const batch = [job(1, 0), job(2, 3), job(1, 0)];
  const shared = await Promise.all(batch.map((j) => encodeTrainingJob(j, hashes)));
  const alone = await Promise.all(batch.map((j) => encodeTrainingJob(j)));
  assert.equal(shared.map((e) => e.key), alone.map((e) => e.key));
  assert.is(shared[0]!.key, shared[2]!.key);
  assert.is.not(shared[0]!.key, shared[1]!.key);
  // The queries (and their first half, another place in the same buffer) are the same blobs in both jobs.
  assert.equal(shared[0]!.payload.predict, shared[1]!.payload.predict);
  assert.is.not(shared[0]!.payload.predict[0]!.features.sha256, shared[0]!.payload.predict[1]!.features.sha256);
});

codec("a blob whose bytes do not match its SHA-256 is refused, unless the caller checked it already", async () => {
  const encoded = await encodeTrainingJob(job(4, 1));
  const decoded = await decodeTrainingJob(encoded.payload, encoded.blobs);
  assert.equal(Array.from(decoded.data.labels), Array.from(job(4, 1).data.labels));
  const ref = encoded.payload.data.features;
  const tampered = new Map(encoded.blobs);
  const bytes = encoded.blobs.get(ref.sha256)!.slice();
  bytes[0] ^= 1;
  tampered.set(ref.sha256, bytes);
  for (const attempt of [() => verifyBlob(ref, bytes), () => decodeTrainingJob(encoded.payload, tampered)]) {
    const error = await attempt().then(() => undefined, (e: Error) => e);
    assert.instance(error, InvalidJobError);
    assert.match(error!.message, `blob ${ref.sha256} does not match its SHA-256 or size`);
  }
  await verifyBlob(ref, encoded.blobs.get(ref.sha256)!);
  assert.is(blobRefs(encoded.payload).length, 4);
});

codec.run();
