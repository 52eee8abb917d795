import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../app-env';
import { acquireSlot } from '../auth/admission';
import { reserveOnLease } from '../auth/budget-admission';
import { type KeyLimitsOf, keepLease, releaseLease, type StreamLease } from '../auth/key-handoff';
import { capForBudget } from '../auth/worst-case-cost';
import { settingsFor } from '../config/settings';
import { asGatewayError, errorResponse, GatewayError } from '../errors/gateway-error';
import type { CostRecord } from '../observe/cost';
import { readJson } from '../schema/read-json';
import { validationError } from '../schema/validation-error';
import { recoverLostTurn } from './crash-recovery';
import type { SequencedEvent } from './session-events';
import { answer, type RpcResult } from './session-rpc';
import { postMessageSchema, type SessionSettings, sessionSettingsSchema, warmupSchema } from './session-settings';
import { openTables, type SessionTables } from './session-tables';
import { toWebSocketMessage } from './session-wire';
import {
  acceptSocket,
  errorFrame,
  keyGoneCloseCode,
  parseClientMessage,
  recheckSocketKey,
  replyFrame,
} from './socket-protocol';
import { turnRequest } from './turn-request';
import { type InterruptResult, type PostedMessage, type TurnHost, Turns } from './turns';
import { viewerReplay } from './viewer-replay';
import { Viewers } from './viewers';
import { WARMUP_PLACEHOLDER, warmUp } from './warmup';
import { type WarmupDecision, WarmupGate } from './warmup-gate';

const notFound = () =>
  new GatewayError(404, 'not_found_error', 'No such session.', { code: 'session_not_found', param: 'id' });

/**
 * One per session: the conversation, its replay log and its one in-flight turn. A thin shell
 * over plain modules; the sessions route calls its RPC methods, each of which checks the
 * caller's ownership itself, and only the WebSocket upgrade comes through `fetch`.
 */
export class SessionDO extends DurableObject<Bindings> {
  #tables: SessionTables;
  readonly #viewers = new Viewers();
  readonly #warmups = new WarmupGate();
  /** The leases of running turns, each with the function that stops its renewal. */
  readonly #renewing = new Map<string, () => void>();
  readonly #host: TurnHost;
  readonly #turns: Turns;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.#tables = openTables(ctx.storage.sql);
    recoverLostTurn(this.#tables);
    this.#host = {
      env,
      waitUntil: (promise) => ctx.waitUntil(promise),
      tables: () => this.#tables,
      publish: (events) => this.#publish(events),
      idle: () => this.#viewers.closeAll(),
      releaseLease: (lease, cost) => this.#releaseLease(lease, cost),
    };
    this.#turns = new Turns(this.#host);
  }

  /** `settings` are checked again here: the object trusts its caller's identity, not its data. */
  create(settings: SessionSettings): Promise<RpcResult<SessionSettings>> {
    return answer(() => {
      const parsed = sessionSettingsSchema.safeParse(settings);
      if (!parsed.success) throw validationError(parsed.error);
      this.#tables.store.init(parsed.data);
      return parsed.data;
    });
  }

  state(owner: string) {
    return answer(() => {
      const settings = this.#owned(owner);
      return { ...settings, generating: this.#turns.current !== undefined, messages: this.#tables.history.list() };
    });
  }

  remove(owner: string): Promise<RpcResult<{ id: string; deleted: true }>> {
    return answer(async () => {
      const { id } = this.#owned(owner);
      if (this.#turns.current) await this.#turns.interrupt();
      for (const ws of this.ctx.getWebSockets()) ws.close(1000, 'session deleted');
      this.#viewers.closeAll();
      await this.ctx.storage.deleteAll();
      this.#tables = openTables(this.ctx.storage.sql);
      return { id, deleted: true };
    });
  }

  /** `body` is the request's JSON text, validated here; `lease` is the key's stream slot the turn now holds. */
  postMessage(owner: string, body: string, lease?: StreamLease): Promise<RpcResult<PostedMessage>> {
    return answer(async (): Promise<PostedMessage> => {
      const settings = this.#owned(owner);
      const parsed = postMessageSchema.safeParse(await readJson(new Response(body)));
      if (!parsed.success) throw validationError(parsed.error);
      const turn = await this.#begin(parsed.data.content, settings, lease);
      if (parsed.data.stream) {
        const live = this.#turns.current === turn;
        return { stream: this.#viewers.open(this.#tables.log.turnEvents(turn.turnId), { live }) };
      }
      const result = await turn.ended;
      const message = { role: 'assistant' as const, content: result.content, status: result.status };
      return { reply: { turn_id: turn.turnId, message, ...(result.error && { error: result.error }) } };
    });
  }

  interrupt(owner: string): Promise<RpcResult<InterruptResult>> {
    return answer(() => {
      this.#owned(owner);
      return this.#turns.interrupt();
    });
  }

  /** The warm-up takes no fields: `body` may be empty; anything else is named in a 400. */
  warmup(owner: string, body: string, lease?: StreamLease): Promise<RpcResult<WarmupDecision>> {
    return answer(async () => {
      const settings = this.#owned(owner);
      if (body.trim() !== '') {
        const parsed = warmupSchema.safeParse(await readJson(new Response(body)));
        if (!parsed.success) throw validationError(parsed.error);
      }
      return this.#warmUp(settings, lease);
    });
  }

  /**
   * SSE for viewers, from `lastEventId` on or the current turn's start. Replay and subscription
   * happen in one synchronous step, so no event falls between them.
   */
  stream(owner: string, lastEventId: string | null): Promise<RpcResult<ReadableStream<Uint8Array>>> {
    return answer(() => {
      this.#owned(owner);
      const turnId = this.#turns.current?.turnId ?? this.#tables.history.list().at(-1)?.turnId;
      const replay = viewerReplay(this.#tables.log, lastEventId, turnId);
      return this.#viewers.open(replay, { live: this.#turns.current !== undefined });
    });
  }

  /** The WebSocket upgrade, which RPC cannot carry; the route sets the owner and key-limits headers. */
  override async fetch(request: Request): Promise<Response> {
    const settings = this.#tables.store.get();
    if (!settings || settings.owner !== request.headers.get('x-infe-owner')) return errorResponse(notFound());
    return acceptSocket(this.ctx, request);
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const message = parseClientMessage(raw);
    if (message.type === 'invalid') return ws.send(errorFrame(message.code, message.message));
    const settings = this.#tables.store.get();
    if (!settings) return ws.send(errorFrame('session_not_found', 'No such session.'));
    if (message.type === 'interrupt') {
      await this.#turns.interrupt();
      return;
    }
    let lease: StreamLease | undefined;
    try {
      // The key is checked again for every turn and warm-up, as each HTTP call checks it.
      const limits = await recheckSocketKey(ws, this.env, settings.model);
      if (message.type === 'warmup') {
        // A warm-up is an upstream call: it holds one of the key's stream slots while it runs.
        lease = await this.#admitSocket(limits, true);
        const decision = await this.#warmUp(settings, lease);
        lease = undefined;
        return ws.send(replyFrame({ type: 'warmup', ...decision }));
      }
      lease = await this.#admitSocket(limits, true);
      await this.#begin(message.content, settings, lease);
    } catch (error) {
      this.#releaseLease(lease);
      const failure = asGatewayError(error);
      ws.send(errorFrame(failure.code, failure.message));
      // A key that is gone ends the socket: every later message would be refused the same way.
      const closeCode = keyGoneCloseCode(failure.status);
      if (closeCode) ws.close(closeCode, failure.code);
    }
  }

  /** The session's settings, when it exists and `owner` owns it; otherwise 404, as for no session. */
  #owned(owner: string): SessionSettings {
    const settings = this.#tables.store.get();
    if (!settings || settings.owner !== owner) throw notFound();
    return settings;
  }

  /**
   * Gives `lease` back when the warm-up ends, or at once when it is skipped or refused. Under a
   * budget the lease first reserves the warm-up's worst case: its context with a one-token cap.
   */
  async #warmUp(settings: SessionSettings, lease: StreamLease | undefined): Promise<WarmupDecision> {
    const limiter = this.env.KEY_LIMITER;
    if (lease?.budget && limiter) {
      const { history, contextStart } = this.#tables;
      const { request } = turnRequest(WARMUP_PLACEHOLDER, settings, history, contextStart);
      await reserveOnLease(limiter, lease, { ...request, max_tokens: 1 }, this.env);
    }
    return warmUp(this.#host, this.#warmups, settings, this.#turns.current !== undefined, lease);
  }

  /** What is sent over the socket counts against the key as it would over HTTP (the route's admit). */
  #admitSocket(limits: KeyLimitsOf | undefined, holdsStream: boolean): Promise<StreamLease | undefined> {
    const limiter = this.env.KEY_LIMITER;
    return limits && limiter ? acquireSlot(limiter, limits, holdsStream) : Promise.resolve(undefined);
  }

  /**
   * Begins a turn that holds `lease`, renewing it while the turn lives (a turn may outlast
   * LEASE_TTL_MS). Under a budget the lease first reserves the turn's worst case, from the
   * context as it is now (a queued turn's context may grow by the reply it waits for: the
   * reservation counts the prompt a token per byte, and a turn that costs more is charged anyway).
   */
  async #begin(content: string, settings: SessionSettings, lease: StreamLease | undefined) {
    const limiter = this.env.KEY_LIMITER;
    if (lease?.budget && limiter) {
      const { history, contextStart } = this.#tables;
      const { request } = turnRequest(content, settings, history, contextStart);
      const config = settingsFor(this.env);
      await reserveOnLease(limiter, lease, capForBudget(request, lease.budget, config), this.env);
    }
    if (lease && limiter) this.#renewing.set(lease.lease, keepLease(limiter, lease));
    try {
      return await this.#turns.begin(content, settings, lease);
    } catch (error) {
      this.#stopRenewing(lease);
      throw error;
    }
  }

  #stopRenewing(lease: StreamLease | undefined): void {
    if (!lease) return;
    this.#renewing.get(lease.lease)?.();
    this.#renewing.delete(lease.lease);
  }

  /** Gives `lease` back, settling its budget reservation with the turn's or warm-up's `cost`. */
  #releaseLease(lease: StreamLease | undefined, cost?: CostRecord): void {
    this.#stopRenewing(lease);
    const limiter = this.env.KEY_LIMITER;
    if (lease && limiter) this.ctx.waitUntil(releaseLease(limiter, lease, cost));
  }

  #publish(events: SequencedEvent[]): void {
    this.#viewers.broadcast(events);
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const messages = events.map(toWebSocketMessage);
    for (const ws of sockets) for (const message of messages) ws.send(message);
  }
}
