import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../app-env';
import { acquireSlot } from '../auth/admission';
import {
  KEY_LIMITS_HEADER,
  type KeyLimitsOf,
  keyLimitsFromHeader,
  LEASE_HEADER,
  leaseFromHeader,
  releaseLease,
  type StreamLease,
} from '../auth/key-handoff';
import { settingsFor } from '../config/settings';
import { asGatewayError, errorResponse, GatewayError } from '../errors/gateway-error';
import { guardPolicySchema } from '../guard/policy';
import { writeRequestLog } from '../observe/log-sink';
import { CHARS_PER_TOKEN } from '../observe/observe-stage';
import { countAttempts, type RequestLogRecord } from '../observe/request-log';
import { buildPipeline } from '../pipeline/build-pipeline';
import { registryFor } from '../providers/registry';
import type { AttemptRecord } from '../routing/connect';
import { planRoute, type RoutingRecord } from '../routing/latency-routing';
import { pipelineFor } from '../routing/resolve-targets';
import { type ChatRequest, textOf } from '../schema/chat-request';
import { readJson } from '../schema/read-json';
import { validationError } from '../schema/validation-error';
import { SSE_HEADERS } from '../stream/sse-headers';
import { ActiveTurnMarker } from './active-turn';
import { fitContext } from './context-budget';
import { ContextStart } from './context-start';
import { Generation, type GenerationResult } from './generation';
import { History } from './history';
import { ReplayLog } from './replay-log';
import type { SequencedEvent, SessionEvent } from './session-events';
import { keyIdOf, postMessageSchema, type SessionSettings, warmupSchema } from './session-settings';
import { SessionStore } from './session-store';
import { toWebSocketMessage } from './session-wire';
import { Viewers } from './viewers';
import { runWarmup, WARMUP_PLACEHOLDER, type WarmupRun } from './warmup';
import { type WarmupDecision, WarmupGate } from './warmup-gate';

interface ActiveTurn {
  turnId: string;
  startedAt: number;
  attempts: AttemptRecord[];
  routing?: RoutingRecord;
  generation: Generation;
  /** Resolves once the turn is recorded in the history and the viewers are told. */
  ended: Promise<GenerationResult>;
  /** The key's stream slot this turn holds, given back when it ends. */
  lease?: StreamLease;
}

/** What a session's WebSocket carries: the caller's key limits, when it has any. */
interface SocketAttachment {
  limits?: KeyLimitsOf;
}

const notFound = () =>
  new GatewayError(404, 'not_found_error', 'No such session.', { code: 'session_not_found', param: 'id' });

/**
 * One per session: the conversation, its replay log and its one in-flight generation. A thin
 * shell over plain modules that take the SQL storage as an argument.
 */
export class SessionDO extends DurableObject<Bindings> {
  private store!: SessionStore;
  private history!: History;
  private log!: ReplayLog;
  private marker!: ActiveTurnMarker;
  private contextStart!: ContextStart;
  private readonly viewers = new Viewers();
  private readonly warmups = new WarmupGate();
  private active: ActiveTurn | undefined;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.openStorage();
    this.recoverLostTurn();
  }

  /** The modules over this object's SQLite tables; again after a delete dropped them. */
  private openStorage(): void {
    const sql = this.ctx.storage.sql;
    this.store = new SessionStore(sql);
    this.history = new History(sql);
    this.log = new ReplayLog(sql);
    this.marker = new ActiveTurnMarker(sql);
    this.contextStart = new ContextStart(sql);
  }

  override async fetch(request: Request): Promise<Response> {
    const action = new URL(request.url).pathname.slice(1);
    try {
      if (action === 'create') return this.create((await request.json()) as SessionSettings);
      const settings = this.store.get();
      if (!settings || settings.owner !== request.headers.get('x-infe-owner')) throw notFound();
      switch (action) {
        case 'state':
          return Response.json({ ...settings, generating: this.active !== undefined, messages: this.history.list() });
        case 'delete':
          return await this.delete(settings);
        case 'messages':
          return await this.postMessage(request, settings);
        case 'interrupt':
          return Response.json(await this.interrupt());
        case 'warmup':
          await this.readWarmupBody(request);
          return Response.json(this.warmUp(settings), { status: 202 });
        case 'stream':
          return this.stream(request);
        case 'ws':
          return this.acceptWebSocket(request);
        default:
          throw new GatewayError(404, 'not_found_error', 'No such route.', { code: 'route_not_found' });
      }
    } catch (error) {
      if (error instanceof GatewayError) return errorResponse(error);
      // Storage failures and overload are passing conditions: tell the client when to retry.
      console.error(JSON.stringify({ type: 'session_error', error: String(error) }));
      return errorResponse(
        new GatewayError(503, 'server_error', 'The session is temporarily unavailable.', {
          code: 'session_unavailable',
          retryAfter: 1,
        }),
      );
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const settings = this.store.get();
    let parsed: { type?: unknown; content?: unknown };
    try {
      parsed = JSON.parse(typeof message === 'string' ? message : new TextDecoder().decode(message));
    } catch {
      return this.sendError(ws, 'invalid_json', 'Messages must be JSON.');
    }
    if (!settings) return this.sendError(ws, 'session_not_found', 'No such session.');
    if (parsed.type === 'interrupt') {
      await this.interrupt();
      return;
    }
    if (parsed.type === 'warmup') {
      try {
        // Counted against the key's rate, as the HTTP warm-up is; it holds no stream slot.
        this.releaseLease(await this.admitSocket(ws, false));
        return this.reply(ws, { type: 'warmup', ...this.warmUp(settings) });
      } catch (error) {
        const failure = asGatewayError(error);
        return this.sendError(ws, failure.code, failure.message);
      }
    }
    if (parsed.type !== 'message')
      return this.sendError(ws, 'unknown_type', "Send {type:'message'}, {type:'interrupt'} or {type:'warmup'}.");
    const body = postMessageSchema.safeParse({ content: parsed.content });
    if (!body.success) return this.sendError(ws, 'invalid_field', validationError(body.error).message);
    let lease: StreamLease | undefined;
    try {
      lease = await this.admitSocket(ws, true);
      await this.beginTurn(body.data.content, settings, lease);
    } catch (error) {
      this.releaseLease(lease);
      const failure = asGatewayError(error);
      this.sendError(ws, failure.code, failure.message);
    }
  }

  /** What is sent over the socket counts against the key as it would over HTTP (the route's admit). */
  private admitSocket(ws: WebSocket, holdsStream: boolean): Promise<StreamLease | undefined> {
    const limits = (ws.deserializeAttachment() as SocketAttachment | null)?.limits;
    const limiter = this.env.KEY_LIMITER;
    return limits && limiter ? acquireSlot(limiter, limits, holdsStream) : Promise.resolve(undefined);
  }

  private releaseLease(lease: StreamLease | undefined): void {
    const limiter = this.env.KEY_LIMITER;
    if (lease && limiter) this.ctx.waitUntil(releaseLease(limiter, lease));
  }

  private create(settings: SessionSettings): Response {
    this.store.init(settings);
    return Response.json(settings, { status: 201 });
  }

  private async delete(settings: SessionSettings): Promise<Response> {
    if (this.active) await this.interrupt();
    for (const ws of this.ctx.getWebSockets()) ws.close(1000, 'session deleted');
    this.viewers.closeAll();
    await this.ctx.storage.deleteAll();
    this.openStorage();
    return Response.json({ id: settings.id, deleted: true });
  }

  private async postMessage(request: Request, settings: SessionSettings): Promise<Response> {
    const parsed = postMessageSchema.safeParse(await readJson(request));
    if (!parsed.success) throw validationError(parsed.error);
    const turn = await this.beginTurn(
      parsed.data.content,
      settings,
      leaseFromHeader(request.headers.get(LEASE_HEADER)),
    );
    if (parsed.data.stream) {
      const replay = this.log.turnEvents(turn.turnId);
      return new Response(this.viewers.open(replay, { live: this.active === turn }), { headers: SSE_HEADERS });
    }
    const result = await turn.ended;
    return Response.json({
      turn_id: turn.turnId,
      message: { role: 'assistant', content: result.content, status: result.status },
      ...(result.error && { error: result.error }),
    });
  }

  /** One generation at a time: a new message waits, interrupts or is refused, per `on_busy`. */
  private async beginTurn(content: string, settings: SessionSettings, lease?: StreamLease): Promise<ActiveTurn> {
    while (this.active) {
      if (settings.on_busy === 'reject') {
        throw new GatewayError(409, 'invalid_request_error', 'A reply is still being generated in this session.', {
          code: 'session_busy',
        });
      }
      if (settings.on_busy === 'redirect') this.active.generation.interrupt();
      await this.active.ended;
    }
    return this.startTurn(content, settings, lease);
  }

  /**
   * What a turn with this user message would send: the context that fits the budget (from the
   * same start as the last turn while it fits), the system prompt first, through the session's
   * pipeline. Everything that can refuse the message (a blocked prompt, an unknown model) runs
   * here, before anything is stored, so a refused message leaves no trace in the history.
   */
  private prepare(content: string, settings: SessionSettings) {
    const earlier = this.history.list().filter((m) => m.content !== '');
    const firstKept = this.contextStart.get();
    const kept = firstKept === undefined ? 0 : earlier.findIndex((m) => m.id >= firstKept);
    const context = fitContext({
      system: settings.system,
      messages: [...earlier.map((m) => ({ role: m.role, content: m.content })), { role: 'user' as const, content }],
      budgetTokens: settings.context_budget,
      previousStart: kept === -1 ? earlier.length : kept,
      trimTo: settings.context_trim_to,
    });
    const upstream: ChatRequest = {
      model: settings.model,
      stream: true,
      messages: [
        ...(settings.system ? [{ role: 'system' as const, content: settings.system }] : []),
        ...context.messages,
      ],
      ...(settings.max_tokens && { max_tokens: settings.max_tokens }),
      ...(settings.temperature !== undefined && { temperature: settings.temperature }),
      // The history before the new message is the next turn's prefix too: worth caching.
      infe: { cache_prefix: true },
    };
    const config = settingsFor(this.env);
    const route = planRoute(settings.model, config, this.env, (promise) => this.ctx.waitUntil(promise));
    const pipelineConfig = pipelineFor(settings.model, config);
    const pipeline = buildPipeline(
      upstream,
      settings.guard === undefined
        ? pipelineConfig
        : { ...pipelineConfig, guard: guardPolicySchema.parse(settings.guard) },
      this.env,
    );
    /** The id of the context's first message, once the new message has one. */
    const firstKeptId = (newMessageId: number) => earlier[context.start]?.id ?? newMessageId;
    return { config, route, pipeline, context, firstKeptId };
  }

  private startTurn(content: string, settings: SessionSettings, lease?: StreamLease): ActiveTurn {
    const { config, route, pipeline, firstKeptId } = this.prepare(content, settings);
    // The history keeps the prompt as the provider saw it: after the guard's redactions.
    const stored = textOf(pipeline.request.messages.at(-1)?.content as Parameters<typeof textOf>[0]);

    const turnId = crypto.randomUUID();
    const startedAt = Date.now();
    const attempts: AttemptRecord[] = [];
    this.log.prune();
    const message = this.history.append({ turnId, role: 'user', content: stored, status: 'complete' });
    this.contextStart.set(firstKeptId(message.id));
    this.marker.set(turnId);
    this.publish(this.log.append(turnId, [{ type: 'turn-start', turnId, content: stored }]));
    const generation = new Generation({
      connect: {
        registry: registryFor(this.env),
        targets: route.targets,
        request: pipeline.request,
        firstByteTimeoutMs: config.FIRST_BYTE_TIMEOUT_MS,
        retry: { maxRetries: config.UPSTREAM_MAX_RETRIES, baseDelayMs: config.UPSTREAM_RETRY_BASE_MS },
        attempts,
      },
      route,
      stages: pipeline.stages,
      idleTimeoutMs: config.STREAM_IDLE_TIMEOUT_MS,
      onEvents: (events) => this.publish(this.log.append(turnId, events)),
    });
    const turn: ActiveTurn = {
      turnId,
      startedAt,
      attempts,
      routing: route.routing,
      generation,
      ended: generation.done.then((result) => this.endTurn(turn, settings, result)),
      lease,
    };
    this.active = turn;
    return turn;
  }

  private endTurn(turn: ActiveTurn, settings: SessionSettings, result: GenerationResult): GenerationResult {
    const { turnId } = turn;
    this.history.append({ turnId, role: 'assistant', content: result.content, status: result.status });
    this.logTurn(turn, settings, result);
    this.releaseLease(turn.lease);
    this.marker.clear();
    this.active = undefined;
    this.viewers.closeAll();
    return result;
  }

  /** One request-log record per turn, like an HTTP request's. */
  private logTurn(turn: ActiveTurn, settings: SessionSettings, result: GenerationResult): void {
    const served = result.status === 'failed' ? undefined : turn.attempts.findLast((a) => a.error === undefined);
    const outcome =
      result.status === 'complete' ? 'ok' : result.status === 'interrupted' ? 'client_cancelled' : 'upstream_error';
    const firstTokenAt = turn.generation.firstTokenAt;
    writeRequestLog(
      {
        requestId: turn.turnId,
        ts: turn.startedAt,
        keyId: keyIdOf(settings),
        route: '/v1/sessions/:id/messages',
        model: settings.model,
        provider: served?.provider,
        providerModel: served?.model,
        stream: true,
        status: result.status === 'failed' ? 502 : 200,
        outcome,
        attempts: turn.attempts,
        ...countAttempts(turn.attempts),
        routing: turn.routing,
        upstreamTtftMs: firstTokenAt === undefined ? undefined : firstTokenAt - turn.startedAt,
        clientTtftMs: firstTokenAt === undefined ? undefined : firstTokenAt - turn.startedAt,
        tokens: { output: Math.ceil(result.content.length / CHARS_PER_TOKEN), estimated: true },
        finishReason: turn.generation.finishReason as RequestLogRecord['finishReason'],
        error: result.error?.code,
        durationMs: Date.now() - turn.startedAt,
      },
      this.env,
      (promise) => this.ctx.waitUntil(promise),
    );
  }

  /** The warm-up takes no fields; an empty body is fine, anything else is named in a 400. */
  private async readWarmupBody(request: Request): Promise<void> {
    const text = await request.text();
    if (text.trim() === '') return;
    const parsed = warmupSchema.safeParse(await readJson(new Response(text)));
    if (!parsed.success) throw validationError(parsed.error);
  }

  /**
   * A warm-up signal (see WarmupGate for when one is skipped). A started warm-up runs in the
   * background and is never waited for: a turn that begins meanwhile goes ahead at once and the
   * warm-up carries on, since aborting it would throw away the prefill it has done, and with a
   * one-token cap it ends right after that prefill anyway.
   */
  private warmUp(settings: SessionSettings): WarmupDecision {
    const perMinute = settingsFor(this.env).SESSION_WARMUP_PER_MINUTE;
    if (!settings.warmup || perMinute === 0) {
      throw new GatewayError(400, 'invalid_request_error', 'Warm-up is not enabled for this session.', {
        code: 'warmup_disabled',
        param: 'warmup',
      });
    }
    const lastId = this.history.lastId();
    if (lastId === 0 && !settings.system) return { warmup: 'skipped', reason: 'empty' };
    // The context is a function of the history and its stored start alone (the settings are fixed).
    const key = `${this.contextStart.get() ?? 0}:${lastId}`;
    const decision = this.warmups.admit(key, { generating: this.active !== undefined, perMinute });
    if (decision.warmup === 'started') this.startWarmup(settings);
    return decision;
  }

  private startWarmup(settings: SessionSettings): void {
    let run: WarmupRun;
    try {
      const { config, route, pipeline, context } = this.prepare(WARMUP_PLACEHOLDER, settings);
      run = {
        registry: registryFor(this.env),
        targets: route.targets,
        request: pipeline.request,
        firstByteTimeoutMs: config.FIRST_BYTE_TIMEOUT_MS,
        keyId: keyIdOf(settings),
        estimatedInputTokens: context.estimatedTokens,
      };
    } catch (error) {
      this.warmups.settle(false);
      throw error;
    }
    void runWarmup(run).then((record) => {
      this.warmups.settle(record.outcome === 'ok');
      writeRequestLog(record, this.env, (promise) => this.ctx.waitUntil(promise));
    });
  }

  private async interrupt() {
    const turn = this.active;
    if (!turn) return { interrupted: false };
    turn.generation.interrupt();
    const result = await turn.ended;
    return {
      interrupted: true,
      turn_id: turn.turnId,
      message: { role: 'assistant', content: result.content, status: result.status },
    };
  }

  /**
   * SSE for viewers: with Last-Event-ID, everything after it, then live; without, the current
   * (or last) turn from its start. Replay and subscription happen in one synchronous step, so no
   * event falls between them.
   */
  private stream(request: Request): Response {
    const url = new URL(request.url);
    const lastEventId = request.headers.get('last-event-id') ?? url.searchParams.get('last_event_id');
    let replay: SequencedEvent[];
    if (lastEventId !== null && /^\d+$/.test(lastEventId)) {
      const { events, truncated } = this.log.after(Number(lastEventId));
      // Older turns are pruned: say so rather than hand back a stream with a silent hole.
      replay = truncated ? [this.truncatedNotice(Number(lastEventId)), ...events] : events;
    } else {
      const turnId = this.active?.turnId ?? this.history.list().at(-1)?.turnId;
      replay = turnId ? this.log.turnEvents(turnId) : [];
    }
    return new Response(this.viewers.open(replay, { live: this.active !== undefined }), { headers: SSE_HEADERS });
  }

  private acceptWebSocket(request: Request): Response {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      throw new GatewayError(426, 'invalid_request_error', 'Expected a WebSocket upgrade.', {
        code: 'upgrade_required',
      });
    }
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    // Kept with the socket, so it survives hibernation.
    const attachment: SocketAttachment = { limits: keyLimitsFromHeader(request.headers.get(KEY_LIMITS_HEADER)) };
    pair[1].serializeAttachment(attachment);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  private publish(events: SequencedEvent[]): void {
    this.viewers.broadcast(events);
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const messages = events.map(toWebSocketMessage);
    for (const ws of sockets) for (const message of messages) ws.send(message);
  }

  /** An error about this socket's own message: sent to it alone, and not part of the session's log. */
  private sendError(ws: WebSocket, code: string, message: string): void {
    this.reply(ws, { type: 'error', code, message });
  }

  /** An answer to this socket's own message: sent to it alone, and not part of the session's log. */
  private reply(ws: WebSocket, event: SessionEvent): void {
    ws.send(toWebSocketMessage({ seq: 0, turnId: '', event }));
  }

  /** Carries the client's own Last-Event-ID, so a reconnect after it resumes from the same place. */
  private truncatedNotice(seq: number): SequencedEvent {
    const event: SessionEvent = {
      type: 'error',
      code: 'replay_truncated',
      message: 'Events after the given Last-Event-ID are no longer kept; what follows is what remains.',
    };
    return { seq, turnId: '', event };
  }

  /** A turn still marked active after a restart lost its generation: record it as failed. */
  private recoverLostTurn(): void {
    const turnId = this.marker.get();
    if (!turnId) return;
    const partial = this.log
      .turnEvents(turnId)
      .map(({ event }) => (event.type === 'token' ? event.text : ''))
      .join('');
    this.log.append(turnId, [
      {
        type: 'error',
        code: 'generation_lost',
        message: 'The session restarted during this reply; it was not finished.',
      },
    ]);
    this.history.append({ turnId, role: 'assistant', content: partial, status: 'failed' });
    this.marker.clear();
  }
}
