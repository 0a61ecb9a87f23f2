import { performance } from 'node:perf_hooks';

/** The median time of `rounds` runs of `work`, in milliseconds: what every benchmark here compares. */
export async function median(rounds: number, work: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < rounds; index++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return middle(times);
}

/** The median of measured times. */
export function middle(times: number[]): number {
  return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}
