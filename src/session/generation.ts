import { clientCost } from '../encoders/client-usage';
import { asGatewayError, GatewayError } from '../errors/gateway-error';
import type { Connection } from '../pipeline/connection';
import type { Resume } from '../pipeline/splice';
import { composeStages, type Stage, type StageControl } from '../pipeline/stage';
import { type PumpOutcome, type PumpStats, UpstreamPump } from '../pipeline/upstream-pump';
import type { StreamEvent } from '../stream/events';
import type { SessionEvent } from './session-events';

export type GenerationStatus = 'complete' | 'interrupted' | 'failed';

export interface GenerationResult {
  status: GenerationStatus;
  /** The reply as far as it got: complete, or the partial text of an interrupted/failed turn. */
  content: string;
  error?: { code: string; message: string };
  /** How the upstream stream ended, once one was connected: what the turn's log record reports. */
  stream?: { outcome: PumpOutcome; stats: PumpStats };
  /** The failure as thrown, for the log record. */
  failure?: unknown;
}

export interface GenerationOptions {
  /** Connects (retries, fallback, hedging) for this turn; the signal is the turn's interrupt. */
  connect(signal: AbortSignal): Promise<Connection>;
  /** The stages of the turn's stream, bound to `control`. */
  stages: Stage[];
  control: StageControl;
  idleTimeoutMs: number;
  /** Continues a reply that fails after its first token, when the session's model allows it. */
  resume?: Resume;
  /** Receives each upstream read's events at once, in order; never called after the end. */
  onEvents(events: SessionEvent[]): void;
}

/** Maps the gateway's events to what a session viewer sees; parser annotations stay inside. */
function toSessionEvent(event: StreamEvent): SessionEvent | undefined {
  switch (event.type) {
    case 'text':
      return { type: 'token', text: event.text };
    case 'reasoning':
      return { type: 'reasoning', text: event.text };
    case 'refusal':
      return { type: 'refusal', text: event.text };
    case 'finish':
      return { type: 'finish', reason: event.reason };
    case 'guard':
      return { type: 'guard', action: event.action, rule: event.rule };
    case 'retract':
      return { type: 'retract', chars: event.chars, reason: event.reason };
    case 'usage': {
      const { inputTokens, outputTokens } = event.usage;
      return { type: 'usage', inputTokens, outputTokens, cost: clientCost(event.usage) };
    }
    default:
      return undefined;
  }
}

/**
 * One turn's generation inside the session object: the same connect + pump + stages as the
 * HTTP relay, but its output goes to the replay log and the viewers, and it runs until it ends
 * or is interrupted, whoever is watching.
 */
export class Generation {
  readonly done: Promise<GenerationResult>;
  private readonly abort = new AbortController();
  private pump: UpstreamPump | undefined;
  private interrupted = false;
  private content = '';

  constructor(options: GenerationOptions) {
    this.done = this.run(options);
  }

  /** Aborts the upstream now; `done` resolves with the partial reply marked interrupted. */
  interrupt(): void {
    this.interrupted = true;
    if (this.pump) this.pump.cancel('client_cancelled');
    else this.abort.abort(new Error('interrupted'));
  }

  private async run(options: GenerationOptions): Promise<GenerationResult> {
    let batch: SessionEvent[] = [];
    const pipeline = composeStages(options.stages, (event) => {
      const mapped = toSessionEvent(event);
      if (!mapped) return;
      if (mapped.type === 'token' || mapped.type === 'refusal') this.content += mapped.text;
      batch.push(mapped);
    });
    const flush = () => {
      if (batch.length === 0) return;
      const events = batch;
      batch = [];
      options.onEvents(events);
    };
    try {
      const connection = await options.connect(this.abort.signal);
      this.pump = new UpstreamPump(connection, pipeline.push, options.idleTimeoutMs, options.control, options.resume);
      if (this.interrupted) this.pump.cancel('client_cancelled');
      while (await this.pump.step()) flush();
      if (this.pump.outcome !== 'client_cancelled') {
        await pipeline.settle();
        pipeline.end();
      }
      flush();
      if (this.interrupted) return this.end(options, { status: 'interrupted', content: this.content });
      return { status: 'complete', content: this.content, stream: this.streamEnd() };
    } catch (error) {
      // A stage that threw leaves the pump running: stop the upstream (a no-op when it failed itself).
      this.pump?.cancel(error instanceof GatewayError ? 'upstream_error' : 'gateway_error');
      flush();
      if (this.interrupted) return this.end(options, { status: 'interrupted', content: this.content });
      const failure = asGatewayError(error);
      const reported = { code: failure.code, message: failure.message };
      options.onEvents([{ type: 'error', ...reported }]);
      return { status: 'failed', content: this.content, error: reported, stream: this.streamEnd(), failure: error };
    }
  }

  private end(options: GenerationOptions, result: GenerationResult): GenerationResult {
    options.onEvents([{ type: 'finish', reason: 'interrupted' }]);
    return { ...result, stream: this.streamEnd() };
  }

  private streamEnd(): GenerationResult['stream'] {
    const pump = this.pump;
    return pump && { outcome: pump.outcome ?? 'finished', stats: pump.stats };
  }
}
