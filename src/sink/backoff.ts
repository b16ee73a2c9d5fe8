import { setTimeout as sleep } from 'node:timers/promises';

/** Exponential backoff with jitter: 250 ms, 500 ms, … capped at 10 s (so catching up starts soon after an outage ends), each ×[0.5, 1). */
export function backoffMs(attempt: number, baseMs = 250, capMs = 10_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling * (0.5 + Math.random() * 0.5));
}

export async function pause(attempt: number, signal?: AbortSignal): Promise<void> {
  await sleep(backoffMs(attempt), undefined, signal ? { signal } : undefined);
}
