import type { Emit } from '../stream/events';
import type { Connection } from './connection';
import type { Resume } from './splice';
import { composeStages, type Stage, type StageControl } from './stage';
import { type PumpOutcome, type PumpStats, UpstreamPump } from './upstream-pump';

/** How a collected run ended. */
export interface Collected {
  outcome: PumpOutcome;
  stats: PumpStats;
  /** Why it failed, when it did: nothing has been sent, so it becomes the response's status. */
  error?: unknown;
}

/**
 * The non-streaming path: the same pump and stages, run to the end before answering. A failure
 * is returned with what the pump consumed up to it, so the request is recorded (and billed) for
 * what the provider generated.
 */
export async function collect(
  connection: Connection,
  stages: readonly Stage[],
  sink: Emit,
  idleTimeoutMs: number,
  clientSignal: AbortSignal,
  control: StageControl,
  resume?: Resume,
): Promise<Collected> {
  const pipeline = composeStages(stages, sink);
  const pump = new UpstreamPump(connection, pipeline.push, idleTimeoutMs, control, resume);
  const onAbort = () => pump.cancel('client_cancelled', clientSignal.reason);
  clientSignal.addEventListener('abort', onAbort, { once: true });
  try {
    while (await pump.step()) {}
    await pipeline.settle();
    pipeline.end();
    return { outcome: pump.outcome ?? 'finished', stats: pump.stats };
  } catch (error) {
    // A stage that threw leaves the pump running: stop the upstream before answering.
    pump.cancel('gateway_error');
    return { outcome: pump.outcome ?? 'gateway_error', stats: pump.stats, error };
  } finally {
    clientSignal.removeEventListener('abort', onAbort);
  }
}
