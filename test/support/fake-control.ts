import { inject } from 'vitest';
import type { RequestLog } from '../fake-provider/request-log.ts';

/** What the fake provider recorded for one scenario id. */
export type FakeLog = RequestLog;

export const fakeUrl = () => inject('fakeProviderUrl');

export async function fakeLog(id: string): Promise<FakeLog> {
  return (await fetch(`${fakeUrl()}/_control/log/${id}`)).json() as Promise<FakeLog>;
}

/**
 * Waits until the fake's response for `id` is held by backpressure: its writer has waited for
 * 'drain' for `quietMs` in a row with nothing written (the fake tells, from its socket's events).
 * `stalled: false` when that did not happen within `withinMs`.
 */
export async function untilStalled(
  id: string,
  { quietMs = 500, withinMs = 10_000 } = {},
): Promise<FakeLog & { stalled: boolean }> {
  const query = `quiet_ms=${quietMs}&within_ms=${withinMs}`;
  return (await fetch(`${fakeUrl()}/_control/stall/${id}?${query}`)).json() as Promise<FakeLog & { stalled: boolean }>;
}

/** Sets the TTFT of every fake request whose scenario has `speed_key=<key>`, from now on. */
export async function setFakeSpeed(key: string, ttft: number): Promise<void> {
  const res = await fetch(`${fakeUrl()}/_control/speed/${encodeURIComponent(key)}`, {
    method: 'POST',
    body: JSON.stringify({ ttft }),
  });
  if (!res.ok) throw new Error(`fake provider refused the speed change: ${await res.text()}`);
}

/** A pause that is the behaviour under test (a slow client's pace), never a wait for an effect. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Bounded polling for an effect that lands asynchronously, such as an upstream seeing a hang-up. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await sleep(20);
    value = await read();
  }
  return value;
}

/**
 * The fake provider's log once it has seen at least `requests` requests, `hungUp` client hang-ups
 * and `ended` responses ended either way for `id`, or after `timeoutMs` (the fake answers as soon
 * as its log gets there).
 */
export async function untilLogged(
  id: string,
  { requests = 0, hungUp = 0, ended = 0, timeoutMs = 3000 },
): Promise<FakeLog> {
  const query = `requests=${requests}&hung_up=${hungUp}&ended=${ended}&within_ms=${timeoutMs}`;
  return (await fetch(`${fakeUrl()}/_control/until/${id}?${query}`)).json() as Promise<FakeLog>;
}

/** The fake provider's log once it has seen the client (the gateway) hang up, or after the timeout. */
export const untilHungUp = (id: string, timeoutMs?: number) => untilLogged(id, { hungUp: 1, timeoutMs });

/** A unique scenario id per test, so the shared fake provider's logs never mix. */
export const uniqueId = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;
