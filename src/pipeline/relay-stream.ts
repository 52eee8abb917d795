import type { Encoder } from '../encoders/encoder';
import { asGatewayError } from '../errors/gateway-error';
import type { Connection } from './connect';
import { composeStages, type Stage, type StageControl } from './stage';
import { type PumpOutcome, type PumpStats, UpstreamPump } from './upstream-pump';

export interface RelayOptions {
  stages: readonly Stage[];
  control: StageControl;
  encoder: Encoder;
  idleTimeoutMs: number;
  /** Called once when the stream is over, however it ended. */
  onDone(outcome: PumpOutcome, stats: PumpStats | undefined, error?: unknown): void;
}

export interface PendingConnection {
  connection: Promise<Connection>;
  /** Stops the connection attempt when the client leaves before it is made. */
  abort(): void;
  /** Interval of the SSE comments that probe the client while the provider is still silent. */
  probeMs: number;
}

const bytes = new TextEncoder();
const PROBE_TIMEOUT = Symbol('probe');

/**
 * The relay's single JS stream hop: a pull-based stream that reads the upstream, decodes, runs
 * every stage and encodes in one step per read. With highWaterMark 0 the upstream is read only
 * when the client asks for more, so a slow client slows the upstream instead of filling memory.
 */
export function relayStream(source: Connection | PendingConnection, options: RelayOptions): ReadableStream<Uint8Array> {
  const { encoder } = options;
  let out = '';
  const pipeline = composeStages(options.stages, (event) => {
    out += encoder.event(event);
  });
  let pump: UpstreamPump | undefined;
  let done = false;
  const pending = 'probeMs' in source ? source : undefined;
  if (!pending) pump = new UpstreamPump(source as Connection, pipeline.push, options.idleTimeoutMs, options.control);
  let racing: Promise<Connection> | undefined = pending?.connection;

  const finish = (outcome: PumpOutcome, error?: unknown) => {
    if (done) return;
    done = true;
    options.onDone(outcome, pump?.stats, error);
  };

  /** Resolves the pump, or returns a probe comment to send while the provider is still silent. */
  const ready = async (): Promise<UpstreamPump | string> => {
    if (pump || !pending || !racing) return pump as UpstreamPump;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<typeof PROBE_TIMEOUT>((resolve) => {
      timer = setTimeout(() => resolve(PROBE_TIMEOUT), pending.probeMs);
    });
    const winner = await Promise.race([racing, timeout]).finally(() => clearTimeout(timer));
    if (winner === PROBE_TIMEOUT) return encoder.probe();
    racing = undefined;
    pump = new UpstreamPump(winner, pipeline.push, options.idleTimeoutMs, options.control);
    return pump;
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const current = await ready();
          if (typeof current === 'string') return controller.enqueue(bytes.encode(current));
          while (out === '') {
            if (!(await current.step())) break;
          }
          if (current.outcome === 'client_cancelled') return;
          if (current.outcome === 'finished' || current.outcome === 'stopped') {
            await pipeline.settle();
            pipeline.end();
            out += encoder.end();
          }
          if (out !== '') controller.enqueue(bytes.encode(out));
          out = '';
          if (current.outcome) {
            controller.close();
            finish(current.outcome);
          }
        } catch (error) {
          if (done) return;
          const failure = asGatewayError(error);
          pipeline.end();
          controller.enqueue(bytes.encode(out + encoder.error(failure)));
          out = '';
          controller.close();
          finish(pump?.outcome ?? 'upstream_error', failure);
        }
      },
      cancel(reason) {
        if (pump) pump.cancel('client_cancelled', reason);
        else if (pending) {
          pending.abort();
          // The connection may have been made just as the client left: abort it too.
          pending.connection.then(
            (connection) => connection.abort(reason),
            () => {},
          );
        }
        finish('client_cancelled');
      },
    },
    { highWaterMark: 0 },
  );
}
