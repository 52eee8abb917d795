import { asGatewayError } from '../errors/gateway-error';
import { composeStages, type Stage, type StageContext, StageControl } from '../pipeline/stage';
import { UpstreamPump } from '../pipeline/upstream-pump';
import type { ConnectOptions } from '../routing/connect';
import { connectPlanned, type RoutePlan } from '../routing/latency-routing';
import type { StreamEvent } from '../stream/events';
import type { SessionEvent } from './session-events';

export type GenerationStatus = 'complete' | 'interrupted' | 'failed';

export interface GenerationResult {
  status: GenerationStatus;
  /** The reply as far as it got: complete, or the partial text of an interrupted/failed turn. */
  content: string;
  error?: { code: string; message: string };
}

export interface GenerationOptions {
  connect: Omit<ConnectOptions, 'clientSignal'>;
  /** Where the targets' order came from; told what the attempts taught. */
  route: RoutePlan;
  stages(context: StageContext): Stage[];
  idleTimeoutMs: number;
  /** Receives each upstream read's events at once, in order; never called after the end. */
  onEvents(events: SessionEvent[]): void;
}

/** Maps the gateway's events to what a session viewer sees; usage and parser annotations stay inside. */
function toSessionEvent(event: StreamEvent): SessionEvent | undefined {
  switch (event.type) {
    case 'text':
      return { type: 'token', text: event.text };
    case 'reasoning':
      return { type: 'reasoning', text: event.text };
    case 'finish':
      return { type: 'finish', reason: event.reason };
    case 'guard':
      return { type: 'guard', action: event.action, rule: event.rule };
    case 'retract':
      return { type: 'retract', chars: event.chars, reason: event.reason };
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
  /** For the turn's log record. */
  firstTokenAt: number | undefined;
  finishReason: string | undefined;

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
    const control = new StageControl();
    const pipeline = composeStages(options.stages(control), (event) => {
      const mapped = toSessionEvent(event);
      if (!mapped) return;
      if (mapped.type === 'token') {
        this.firstTokenAt ??= Date.now();
        this.content += mapped.text;
      }
      if (mapped.type === 'finish') this.finishReason = mapped.reason;
      batch.push(mapped);
    });
    const flush = () => {
      if (batch.length === 0) return;
      const events = batch;
      batch = [];
      options.onEvents(events);
    };
    try {
      const connection = await connectPlanned(options.route, { ...options.connect, clientSignal: this.abort.signal });
      this.pump = new UpstreamPump(connection, pipeline.push, options.idleTimeoutMs, control);
      if (this.interrupted) this.pump.cancel('client_cancelled');
      while (await this.pump.step()) flush();
      if (this.pump.outcome !== 'client_cancelled') {
        await pipeline.settle();
        pipeline.end();
      }
      flush();
      if (this.interrupted) return this.end(options, { status: 'interrupted', content: this.content });
      return { status: 'complete', content: this.content };
    } catch (error) {
      // A stage that threw leaves the pump running: stop the upstream (a no-op when it failed itself).
      this.pump?.cancel('gateway_error');
      flush();
      if (this.interrupted) return this.end(options, { status: 'interrupted', content: this.content });
      const failure = asGatewayError(error);
      const reported = { code: failure.code, message: failure.message };
      options.onEvents([{ type: 'error', ...reported }]);
      return { status: 'failed', content: this.content, error: reported };
    }
  }

  private end(options: GenerationOptions, result: GenerationResult): GenerationResult {
    options.onEvents([{ type: 'finish', reason: 'interrupted' }]);
    return result;
  }
}
