/**
 * undici parses every HTTP answer with llhttp, compiled to WebAssembly. V8 compiles it first
 * with its baseline compiler (Liftoff), then, once the parser is hot, compiles it again with
 * its optimising compiler in the background: a compile of llhttp's one large function that
 * takes some 30 MB of memory for a moment, as the first answers come in. That moment is the
 * peak of a plain `apply` (a sixth of it at 10,000 calls), while the baseline code parses a
 * gateway's short answers as fast (measured: bench/NOTES.md). So callops keeps WebAssembly at
 * its baseline tier: V8 tiers up only the function whose index the filter names, and no
 * module has one at 2^31 - 1. The filter changes which tier runs, never what the code does.
 */
const NO_FUNCTION = 2 ** 31 - 1;

let kept = false;

/** Keeps WebAssembly compiled from now on at V8's baseline tier (once per process). */
export const keepWasmAtBaseline = (): void => {
  if (kept) return;
  kept = true;
  process.getBuiltinModule('node:v8').setFlagsFromString(`--wasm-tier-up-filter=${NO_FUNCTION}`);
};
