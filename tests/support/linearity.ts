/**
 * Proves a parser runs in time linear in its input, without trusting the machine's speed.
 *
 * The same shape of input is built at two sizes (4 KiB and 64 KiB by default). The small one is
 * run `large / small` times per round, so both sides of a round do the same number of bytes of
 * work; each side's best of `rounds` is kept. Linear code gives a per-call time ratio near the
 * size ratio (16x); quadratic code gives its square (256x). The bound is four times the size
 * ratio: noise does not reach it, quadratic growth cannot stay under it.
 */
export interface LinearityOptions {
  /** Size of the small input, in the unit `build` takes (default 4096). */
  small?: number;
  /** Size of the large input (default 65536). */
  large?: number;
  /** Rounds to keep the best of (default 3). */
  rounds?: number;
}

/** What `measureLinearity` saw: per-call times in milliseconds and their ratio. */
export interface LinearityResult {
  smallMs: number;
  largeMs: number;
  ratio: number;
  sizeRatio: number;
  bound: number;
}

function elapsedMs(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Times `run` on `build(small)` and `build(large)`; see the module comment for the method. */
export function measureLinearity<T>(
  build: (size: number) => T,
  run: (input: T) => unknown,
  options: LinearityOptions = {},
): LinearityResult {
  const small = options.small ?? 4096;
  const large = options.large ?? 65536;
  const rounds = options.rounds ?? 3;
  const sizeRatio = large / small;
  const repeats = Math.max(1, Math.round(sizeRatio));
  const smallInput = build(small);
  const largeInput = build(large);
  for (let i = 0; i < 3; i++) run(smallInput); // warm the JIT on the small input only
  let smallMs = Infinity;
  let largeMs = Infinity;
  for (let round = 0; round < rounds; round++) {
    smallMs = Math.min(
      smallMs,
      elapsedMs(() => {
        for (let i = 0; i < repeats; i++) run(smallInput);
      }) / repeats,
    );
    largeMs = Math.min(
      largeMs,
      elapsedMs(() => run(largeInput)),
    );
  }
  // A floor of 1 µs per small call keeps a parser that is nearly free from dividing by noise.
  const ratio = largeMs / Math.max(smallMs, 0.001);
  return { smallMs, largeMs, ratio, sizeRatio, bound: sizeRatio * 4 };
}

/** Fails the test unless `run` grows linearly over `build`'s input (see `measureLinearity`). */
export function expectLinear<T>(
  build: (size: number) => T,
  run: (input: T) => unknown,
  options: LinearityOptions = {},
): LinearityResult {
  const result = measureLinearity(build, run, options);
  if (!(result.ratio < result.bound)) {
    throw new Error(
      `not linear: ${result.sizeRatio}x the input took ${result.ratio.toFixed(1)}x the time ` +
        `(${result.smallMs.toFixed(3)} ms vs ${result.largeMs.toFixed(3)} ms; bound ${result.bound}x)`,
    );
  }
  return result;
}
