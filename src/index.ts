// mlleaks: membership-inference auditing that runs the same in Node, Deno and browsers.
export * from "./kernels/index.js";
