import { inject } from 'vitest';

export const fakeUrl = () => inject('fakeProviderUrl');

export async function fakeLog(id: string): Promise<{ requests: number; hungUp: number; completed: number }> {
  return (await fetch(`${fakeUrl()}/_control/log/${id}`)).json() as Promise<{
    requests: number;
    hungUp: number;
    completed: number;
  }>;
}

/** Bounded polling for an effect that lands asynchronously (an upstream noticing a hang-up). */
export async function waitFor<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}

export const uniqueId = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;
