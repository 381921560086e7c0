// Entry of build/cnn-heap.wasm: the kernels that run on tfjs-backend-wasm's imported memory.
export { cnnMaxPoolGrad2x2, cnnCol2im, cnnConvFilterGrad, cnnConvFilterGradSparse, cnnConvInputGradSparse, cnnCountNonZero, cnnConvFilterGradLists, cnnConv2DDirect } from "./cnn";
