// A plain TypeScript transcription of Carlini et al.'s LiRA scoring code (tensorflow/privacy,
// research/mi_lira_2021: score.py's scaled logit, plot.py's generate_ours and generate_ours_offline),
// for tests to compare mlleaks's LiRA with. Arrays keep the code's layout: keep[model][example],
// scores[model][example][augmentation], checkScores[example][augmentation]. Not a test file itself.

/** score.py: log(y_true + 1e-45) - log(y_wrong + 1e-45), y_wrong the sum of the other classes (float64). */
export function referenceScaledLogit(values: ArrayLike<number>, classes: number, row: number, label: number): number {
  let wrong = 0;
  for (let c = 0; c < classes; c++) if (c !== label) wrong += values[row * classes + c]!;
  return Math.log(values[row * classes + label]! + 1e-45) - Math.log(wrong + 1e-45);
}

/** np.median of xs. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** np.std of xs (ddof 0). */
function std(xs: readonly number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / xs.length);
}

/** scipy.stats.norm.logpdf(x, loc, scale). */
function logpdf(x: number, loc: number, scale: number): number {
  const z = (x - loc) / scale;
  return -0.5 * z * z - Math.log(scale) - 0.5 * Math.log(2 * Math.PI);
}

/**
 * The code's dat_in / dat_out: per example, the scores of the models that kept (did not keep) it, in
 * model order, truncated to the smallest count over examples (in_size = out_size = 100000 default).
 */
function sides(keep: readonly (readonly boolean[])[], scores: readonly (readonly (readonly number[])[])[], inSize = 100000, outSize = 100000) {
  const examples = scores[0]!.length;
  const datIn: number[][][] = [];
  const datOut: number[][][] = [];
  for (let j = 0; j < examples; j++) {
    datIn.push(scores.filter((_, m) => keep[m]![j]).map((s) => [...s[j]!]));
    datOut.push(scores.filter((_, m) => !keep[m]![j]).map((s) => [...s[j]!]));
  }
  const nIn = Math.min(Math.min(...datIn.map((x) => x.length)), inSize);
  const nOut = Math.min(Math.min(...datOut.map((x) => x.length)), outSize);
  return { datIn: datIn.map((x) => x.slice(0, nIn)), datOut: datOut.map((x) => x.slice(0, nOut)) };
}

/** Per example and augmentation a: f over the models' scores (axis 1 of the code's [examples, models, augs]). */
const overModels = (dat: number[][][], f: (xs: number[]) => number) => dat.map((models) => models[0]!.map((_, a) => f(models.map((s) => s[a]!))));

/**
 * generate_ours: the code's prediction per example, score = pr_in - pr_out = -logpdf_in + logpdf_out
 * averaged over augmentations (lower is more likely a member; roc_curve reads -prediction).
 * fixVariance uses one std for both sides, np.std(dat_in), as the code does; `fixedOutFrom: "dat_out"`
 * takes the OUT side's own np.std(dat_out) instead (mlleaks's deliberate difference).
 */
export function generateOurs(
  keep: readonly (readonly boolean[])[],
  scores: readonly (readonly (readonly number[])[])[],
  checkScores: readonly (readonly number[])[],
  options: { fixVariance?: boolean; fixedOutFrom?: "dat_in" | "dat_out" } = {},
): number[] {
  const { datIn, datOut } = sides(keep, scores);
  const meanIn = overModels(datIn, median);
  const meanOut = overModels(datOut, median);
  const all = (dat: number[][][]) => dat.flat(2);
  const stdIn = options.fixVariance ? null : overModels(datIn, std);
  const stdOut = options.fixVariance ? null : overModels(datOut, std);
  const fixedIn = std(all(datIn));
  const fixedOut = options.fixedOutFrom === "dat_out" ? std(all(datOut)) : fixedIn;
  return checkScores.map((sc, j) => {
    const score = sc.map((x, a) => {
      const prIn = -logpdf(x, meanIn[j]![a]!, (stdIn ? stdIn[j]![a]! : fixedIn) + 1e-30);
      const prOut = -logpdf(x, meanOut[j]![a]!, (stdOut ? stdOut[j]![a]! : fixedOut) + 1e-30);
      return prIn - prOut;
    });
    return score.reduce((s, v) => s + v, 0) / score.length;
  });
}

/**
 * generate_ours_offline: the code's prediction per example, logpdf(sc; mean_out, std_out + 1e-30)
 * averaged over augmentations (two-sided: lower is more likely a member), with the OUT Gaussians it
 * used, per example and augmentation.
 */
export function generateOursOffline(
  keep: readonly (readonly boolean[])[],
  scores: readonly (readonly (readonly number[])[])[],
  checkScores: readonly (readonly number[])[],
  options: { fixVariance?: boolean } = {},
): { prediction: number[]; meanOut: number[][]; stdOut: number[][] } {
  const { datOut } = sides(keep, scores);
  const meanOut = overModels(datOut, median);
  const fixed = std(datOut.flat(2));
  const stdOut = options.fixVariance ? meanOut.map((row) => row.map(() => fixed)) : overModels(datOut, std);
  const prediction = checkScores.map((sc, j) => sc.reduce((s, x, a) => s + logpdf(x, meanOut[j]![a]!, stdOut[j]![a]! + 1e-30), 0) / sc.length);
  return { prediction, meanOut, stdOut };
}
