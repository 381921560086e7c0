// The stub runtime never allocates for us (kernels use no managed objects), so everything above
// __heap_base belongs to the TypeScript side's scratch arena.
export function heapBase(): usize {
  return __heap_base;
}
