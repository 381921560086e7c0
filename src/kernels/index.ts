// Typed wrappers over the AssemblyScript kernels. Call `await initKernels()` once first.
export { initKernels } from "./wasm.js";
export { Pcg32 } from "./random.js";
