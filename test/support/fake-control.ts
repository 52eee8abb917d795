import { inject } from 'vitest';

/** What the fake provider recorded for one scenario id (see test/fake-provider/server.ts). */
export interface FakeLog {
  requests: number;
  hungUp: number;
  completed: number;
  lastBody: unknown;
  lastHeaders: Record<string, string>;
}

export const fakeUrl = () => inject('fakeProviderUrl');

export async function fakeLog(id: string): Promise<FakeLog> {
  return (await fetch(`${fakeUrl()}/_control/log/${id}`)).json() as Promise<FakeLog>;
}

/** Sets the TTFT of every fake request whose scenario has `speed_key=<key>`, from now on. */
export async function setFakeSpeed(key: string, ttft: number): Promise<void> {
  const res = await fetch(`${fakeUrl()}/_control/speed/${encodeURIComponent(key)}`, {
    method: 'POST',
    body: JSON.stringify({ ttft }),
  });
  if (!res.ok) throw new Error(`fake provider refused the speed change: ${await res.text()}`);
}

/** Bounded polling for an effect that lands asynchronously, such as an upstream seeing a hang-up. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}

/** The fake provider's log once it has seen the client (the gateway) hang up, or after the timeout. */
export const untilHungUp = (id: string, timeoutMs?: number) =>
  eventually(
    () => fakeLog(id),
    (log) => log.hungUp > 0,
    timeoutMs,
  );

/** A unique scenario id per test, so the shared fake provider's logs never mix. */
export const uniqueId = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;
