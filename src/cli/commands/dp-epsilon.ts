// `mlleaks dp-epsilon`: the privacy DP-SGD spends (RDP accountant of the Poisson-subsampled
// Gaussian), without training; or, with --target-epsilon, the noise multiplier that meets a budget.
import { dpSgdEpsilon, noiseMultiplierFor } from "../../defences/dp-accountant.js";
import { UsageError, type CommandSpec } from "../args.js";

export const dpEpsilonCommand: CommandSpec = {
  name: "dp-epsilon",
  summary: "DP-SGD's epsilon at delta (RDP accountant, as TensorFlow Privacy / Opacus), or the noise multiplier for a target epsilon",
  usage: "mlleaks dp-epsilon --records N --batch-size B (--noise-multiplier S | --target-epsilon E) --epochs E --delta D [--conversion improved|classic] [--json]",
  options: {
    records: { type: "integer", valueName: "N", required: true, description: "training records" },
    "batch-size": { type: "integer", valueName: "B", required: true, description: "expected batch size (sampling rate B / N)" },
    "noise-multiplier": { type: "number", valueName: "S", description: "noise standard deviation over the clip norm" },
    "target-epsilon": { type: "number", valueName: "E", description: "find the smallest noise multiplier whose epsilon is at most E" },
    epochs: { type: "number", valueName: "E", required: true, description: "epochs (steps = ceil(E * N / B))" },
    delta: { type: "number", valueName: "D", default: 1e-5, description: "delta" },
    conversion: { type: "string", valueName: "NAME", choices: ["improved", "classic"], default: "improved", description: "RDP -> (epsilon, delta): improved (Balle et al. 2020; Opacus, dp_accounting) or classic (older TensorFlow Privacy)" },
    json: { type: "boolean", description: "print one JSON object" },
  },
  async run(options) {
    const sigma = options["noise-multiplier"] as number | undefined;
    const target = options["target-epsilon"] as number | undefined;
    if ((sigma === undefined) === (target === undefined)) throw new UsageError("mlleaks dp-epsilon: give exactly one of --noise-multiplier S and --target-epsilon E");
    const schedule = { records: options.records as number, batchSize: options["batch-size"] as number, epochs: options.epochs as number, delta: options.delta as number };
    const conversion = options.conversion as "improved" | "classic";
    let noiseMultiplier: number;
    try {
      noiseMultiplier = sigma ?? noiseMultiplierFor(target!, schedule, { conversion });
      const result = dpSgdEpsilon({ ...schedule, noiseMultiplier }, { conversion });
      const out = { ...schedule, noiseMultiplier, ...(target !== undefined ? { targetEpsilon: target } : {}), conversion, ...result };
      if (options.json) console.log(JSON.stringify(out, null, 2));
      else {
        console.log(
          `DP-SGD on ${schedule.records} records, batch ${schedule.batchSize} (sampling rate ${(result.samplingRate * 100).toPrecision(3)}%), noise multiplier ${noiseMultiplier.toPrecision(6)}, ` +
            `${result.steps} steps: epsilon = ${result.epsilon.toFixed(4)} at delta = ${schedule.delta} (RDP order ${result.order}, ${conversion} conversion)`,
        );
      }
    } catch (error) {
      if (error instanceof RangeError) throw new UsageError(`mlleaks dp-epsilon: ${error.message}`);
      throw error;
    }
    return 0;
  },
};
