/**
 * A seeded linear congruential generator in [0, 1): crash-and-restart specs
 * draw slice sizes, rotations and crash points from it, so a failing seed
 * replays exactly.
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
