import type { Emit } from '../stream/events';
import type { Connection } from './connection';
import type { Resume } from './splice';
import { composeStages, type Stage, type StageControl } from './stage';
import { UpstreamPump } from './upstream-pump';

/**
 * The non-streaming path: the same pump and stages, run to the end before answering. Nothing
 * has been sent when a failure happens, so it surfaces as a real status.
 */
export async function collect(
  connection: Connection,
  stages: readonly Stage[],
  sink: Emit,
  idleTimeoutMs: number,
  clientSignal: AbortSignal,
  control: StageControl,
  resume?: Resume,
): Promise<UpstreamPump> {
  const pipeline = composeStages(stages, sink);
  const pump = new UpstreamPump(connection, pipeline.push, idleTimeoutMs, control, resume);
  const onAbort = () => pump.cancel('client_cancelled', clientSignal.reason);
  clientSignal.addEventListener('abort', onAbort, { once: true });
  try {
    while (await pump.step()) {}
    await pipeline.settle();
    pipeline.end();
    return pump;
  } catch (error) {
    // A stage that threw leaves the pump running: stop the upstream before answering.
    pump.cancel('gateway_error');
    throw error;
  } finally {
    clientSignal.removeEventListener('abort', onAbort);
  }
}
