import type { Bindings } from '../app-env';
import type { StreamLease } from '../auth/key-handoff';
import { capForBudget } from '../auth/worst-case-cost';
import { settingsFor } from '../config/settings';
import type { CostRecord } from '../observe/cost';
import { writeRequestLog } from '../observe/log-sink';
import type { WaitUntil } from '../routing/route-stats-cache';
import { textOf } from '../schema/chat-request';
import { prepare } from '../spine/prepare';
import { RequestRecorder } from '../spine/request-record';
import { Generation, type GenerationResult } from './generation';
import type { SequencedEvent } from './session-events';
import { keyIdOf, type SessionSettings } from './session-settings';
import type { SessionTables } from './session-tables';
import { type BusyTurn, waitForTurn } from './turn-queue';
import { turnRequest } from './turn-request';

export const TURN_ROUTE = '/v1/sessions/:id/messages';

/** What the turns of a session need from the object that holds them. */
export interface TurnHost {
  env: Bindings;
  waitUntil: WaitUntil;
  /** The session's tables as they are now (a delete re-opens them). */
  tables(): SessionTables;
  /** Hands a turn's events to every viewer and socket. */
  publish(events: SequencedEvent[]): void;
  /** A turn ended: nothing is generating, so live viewers have nothing left to wait for. */
  idle(): void;
  /** Gives the key's slot back, settling its budget with what the turn or warm-up cost. */
  releaseLease(lease: StreamLease | undefined, cost?: CostRecord): void;
}

export interface Turn extends BusyTurn {
  turnId: string;
  /** Resolves once the turn is recorded in the history, logged, and the viewers are told. */
  ended: Promise<GenerationResult>;
}

/** A posted message's answer: the turn's SSE stream, or (not streaming) the finished reply. */
export type PostedMessage =
  | { stream: ReadableStream<Uint8Array> }
  | { reply: { turn_id: string; message: InterruptResult['message']; error?: GenerationResult['error'] } };

export interface InterruptResult {
  interrupted: boolean;
  turn_id?: string;
  message?: { role: 'assistant'; content: string; status: GenerationResult['status'] };
}

/**
 * A session's turns: at most one generating, each prepared, run and recorded by the same spine
 * as an HTTP chat completion (hedging, stage records, usage and both TTFTs included).
 */
export class Turns {
  private active: Turn | undefined;

  constructor(private readonly host: TurnHost) {}

  get current(): Turn | undefined {
    return this.active;
  }

  /** Starts a turn for this user message once the session's on-busy policy allows it. */
  async begin(content: string, settings: SessionSettings, lease?: StreamLease): Promise<Turn> {
    await waitForTurn(() => this.active, settings.on_busy);
    return this.start(content, settings, lease);
  }

  async interrupt(): Promise<InterruptResult> {
    const turn = this.active;
    if (!turn) return { interrupted: false };
    turn.interrupt();
    const result = await turn.ended;
    return {
      interrupted: true,
      turn_id: turn.turnId,
      message: { role: 'assistant', content: result.content, status: result.status },
    };
  }

  /**
   * Everything that can refuse the message (a blocked prompt, an unknown model) runs before
   * anything is stored, so a refused message leaves no trace in the history.
   */
  private start(content: string, settings: SessionSettings, lease: StreamLease | undefined): Turn {
    const { env, waitUntil } = this.host;
    const config = settingsFor(env);
    const tables = this.host.tables();
    const turnId = crypto.randomUUID();
    const next = turnRequest(content, settings, tables.history, tables.contextStart);
    const recorder = new RequestRecorder({
      requestId: turnId,
      receivedAt: Date.now(),
      keyId: keyIdOf(settings),
      route: TURN_ROUTE,
      model: settings.model,
      stream: true,
      logPayloads: config.LOG_PAYLOADS,
    });
    // Under a budget the turn carries the output cap its reservation counted (session-do.ts #begin).
    const request = capForBudget(next.request, lease?.budget, config);
    const prepared = prepare({ env, settings: config, request, recorder, waitUntil, guard: next.guard });
    // The history keeps the prompt as the provider saw it: after the guard's redactions.
    const stored = textOf(prepared.request.messages.at(-1)?.content);

    tables.log.prune();
    const message = tables.history.append({ turnId, role: 'user', content: stored, status: 'complete' });
    tables.contextStart.set(next.firstKeptId(message.id));
    tables.marker.set(turnId);
    this.host.publish(tables.log.append(turnId, [{ type: 'turn-start', turnId, content: stored }]));
    const generation = new Generation({
      connect: prepared.connect,
      stages: prepared.stages({ emitMetrics: false }),
      control: recorder.control,
      idleTimeoutMs: config.STREAM_IDLE_TIMEOUT_MS,
      resume: prepared.resume,
      onEvents: (events) => this.host.publish(this.host.tables().log.append(turnId, events)),
    });
    const turn: Turn = {
      turnId,
      interrupt: () => generation.interrupt(),
      ended: generation.done.then((result) => this.end(turn, recorder, lease, result)),
    };
    this.active = turn;
    return turn;
  }

  private end(
    turn: Turn,
    recorder: RequestRecorder,
    lease: StreamLease | undefined,
    result: GenerationResult,
  ): GenerationResult {
    const tables = this.host.tables();
    tables.history.append({ turnId: turn.turnId, role: 'assistant', content: result.content, status: result.status });
    const record = result.stream
      ? recorder.streamed(result.stream.outcome, result.stream.stats, result.failure)
      : recorder.failed(result.failure, result.status === 'interrupted');
    writeRequestLog(record, this.host.env, this.host.waitUntil);
    this.host.releaseLease(lease, record.cost);
    tables.marker.clear();
    this.active = undefined;
    this.host.idle();
    return result;
  }
}
