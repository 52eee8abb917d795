import type { StreamLease } from '../auth/key-handoff';
import { settingsFor } from '../config/settings';
import { GatewayError } from '../errors/gateway-error';
import type { CostRecord } from '../observe/cost';
import { writeRequestLog } from '../observe/log-sink';
import type { RequestLogRecord } from '../observe/request-log';
import { connect } from '../routing/connect';
import { type PreparedRequest, prepare } from '../spine/prepare';
import { RequestRecorder } from '../spine/request-record';
import { keyIdOf, type SessionSettings } from './session-settings';
import { turnRequest } from './turn-request';
import type { TurnHost } from './turns';
import type { WarmupDecision, WarmupGate } from './warmup-gate';

/**
 * Stands in for the user's next message, which is not written yet. Prefix caches match exact
 * tokens, so only what comes before the new message can be warmed; the draft a client might send
 * would add at most its own few tokens (and only if the final message starts with it) while
 * handing unsent text to the provider and defeating the "context unchanged" check.
 */
export const WARMUP_PLACEHOLDER = '.';

export const WARMUP_ROUTE = 'session.warmup';

const disabled = () =>
  new GatewayError(400, 'invalid_request_error', 'Warm-up is not enabled for this session.', {
    code: 'warmup_disabled',
    param: 'warmup',
  });

/**
 * Sends the next turn's context with a one-token cap and lets go at the first token: by then
 * the provider has prefilled, and so cached, the whole prompt. Best effort, so as cheap as it
 * can be: the first target only (where the turn will most likely go), no retries, no hedge.
 * Resolves with the warm-up's log record; never rejects.
 */
export async function runWarmup(
  prepared: PreparedRequest,
  recorder: RequestRecorder,
  estimatedInputTokens: number,
): Promise<RequestLogRecord> {
  const { max_completion_tokens: _cap, ...request } = prepared.request;
  const options = prepared.connectOptions;
  try {
    const connection = await connect({
      ...options,
      targets: options.targets.slice(0, 1),
      request: { ...request, stream: true, max_tokens: 1 },
      clientSignal: new AbortController().signal,
      retry: { maxRetries: 0, baseDelayMs: 0 },
      hedge: undefined,
    });
    const firstAt = Date.now();
    connection.abort(new Error('warm-up done'));
    return recorder.build({
      status: 200,
      outcome: 'ok',
      served: true,
      upstreamFirstAt: firstAt,
      tokens: { input: estimatedInputTokens, output: 1, estimated: true },
    });
  } catch (error) {
    return recorder.failed(error, false, { input: estimatedInputTokens, output: 0, estimated: true });
  }
}

type WarmupHost = Pick<TurnHost, 'env' | 'waitUntil' | 'tables' | 'releaseLease'>;

/**
 * A warm-up signal (see WarmupGate for when one is skipped). A started warm-up runs in the
 * background and is never waited for: a turn that begins meanwhile goes ahead at once and the
 * warm-up carries on, since aborting it would throw away the prefill it has done, and with a
 * one-token cap it ends right after that prefill anyway. `lease` is the key's stream slot the
 * warm-up holds while its upstream request runs (an upstream call like any other); it is given
 * back when the warm-up ends, or at once when it is skipped.
 */
export function warmUp(
  host: WarmupHost,
  gate: WarmupGate,
  settings: SessionSettings,
  generating: boolean,
  lease?: StreamLease,
): WarmupDecision {
  const release = (cost?: CostRecord) => host.releaseLease(lease, cost);
  let decision: WarmupDecision;
  try {
    decision = startWarmup(host, gate, settings, generating, release);
  } catch (error) {
    release();
    throw error;
  }
  if (decision.warmup !== 'started') release();
  return decision;
}

function startWarmup(
  host: WarmupHost,
  gate: WarmupGate,
  settings: SessionSettings,
  generating: boolean,
  release: (cost?: CostRecord) => void,
): WarmupDecision {
  const config = settingsFor(host.env);
  const perMinute = config.SESSION_WARMUP_PER_MINUTE;
  if (!settings.warmup || perMinute === 0) throw disabled();
  const { history, contextStart } = host.tables();
  const lastId = history.lastId();
  if (lastId === 0 && !settings.system) return { warmup: 'skipped', reason: 'empty' };
  // The context is a function of the history and its stored start alone (the settings are fixed).
  const decision = gate.admit(`${contextStart.get() ?? 0}:${lastId}`, { generating, perMinute });
  if (decision.warmup !== 'started') return decision;
  let run: Promise<RequestLogRecord>;
  try {
    const next = turnRequest(WARMUP_PLACEHOLDER, settings, history, contextStart);
    const recorder = new RequestRecorder({
      requestId: crypto.randomUUID(),
      receivedAt: Date.now(),
      keyId: keyIdOf(settings),
      route: WARMUP_ROUTE,
      model: settings.model,
      stream: true,
      logPayloads: false,
    });
    const { env, waitUntil } = host;
    const prepared = prepare({ env, settings: config, request: next.request, recorder, waitUntil, guard: next.guard });
    run = runWarmup(prepared, recorder, next.estimatedTokens);
  } catch (error) {
    gate.settle(false);
    throw error;
  }
  void run.then((record) => {
    release(record.cost);
    gate.settle(record.outcome === 'ok');
    writeRequestLog(record, host.env, host.waitUntil);
  });
  return decision;
}
