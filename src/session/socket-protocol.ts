import type { Bindings } from '../app-env';
import { checkModel } from '../auth/admission';
import { checkKey } from '../auth/key-check';
import { KEY_LIMITS_HEADER, type KeyLimitsOf, keyLimitsFromHeader } from '../auth/key-handoff';
import { findKeyById } from '../auth/key-store';
import { errorResponse, GatewayError } from '../errors/gateway-error';
import { validationError } from '../schema/validation-error';
import type { SessionEvent } from './session-events';
import { postMessageSchema } from './session-settings';
import { toWebSocketMessage } from './session-wire';

/** What a client may send over a session's WebSocket, or why what it sent is refused. */
export type ClientMessage =
  | { type: 'message'; content: string }
  | { type: 'interrupt' }
  | { type: 'warmup' }
  | { type: 'invalid'; code: string; message: string };

const invalid = (code: string, message: string): ClientMessage => ({ type: 'invalid', code, message });

/** Reads one WebSocket message: JSON `{type:'message', content}`, `{type:'interrupt'}` or `{type:'warmup'}`. */
export function parseClientMessage(raw: string | ArrayBuffer): ClientMessage {
  let parsed: { type?: unknown; content?: unknown };
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
  } catch {
    return invalid('invalid_json', 'Messages must be JSON.');
  }
  if (parsed?.type === 'interrupt') return { type: 'interrupt' };
  if (parsed?.type === 'warmup') return { type: 'warmup' };
  if (parsed?.type !== 'message') {
    return invalid('unknown_type', "Send {type:'message'}, {type:'interrupt'} or {type:'warmup'}.");
  }
  const body = postMessageSchema.safeParse({ content: parsed.content });
  if (!body.success) return invalid('invalid_field', validationError(body.error).message);
  return { type: 'message', content: body.data.content };
}

/** An answer to one socket's own message: sent to it alone, and not part of the session's log. */
export function replyFrame(event: SessionEvent): string {
  return toWebSocketMessage({ seq: 0, turnId: '', event });
}

export const errorFrame = (code: string, message: string) => replyFrame({ type: 'error', code, message });

/** What a session's WebSocket carries: the caller's key limits, when it has any. */
interface SocketAttachment {
  limits?: KeyLimitsOf;
}

/**
 * Accepts a WebSocket upgrade on the session object (hibernation API), keeping the key limits
 * the route handed over with the socket, so they survive hibernation.
 */
export function acceptSocket(ctx: DurableObjectState, request: Request): Response {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    return errorResponse(
      new GatewayError(426, 'invalid_request_error', 'Expected a WebSocket upgrade.', { code: 'upgrade_required' }),
    );
  }
  const pair = new WebSocketPair();
  ctx.acceptWebSocket(pair[1]);
  const attachment: SocketAttachment = { limits: keyLimitsFromHeader(request.headers.get(KEY_LIMITS_HEADER)) };
  pair[1].serializeAttachment(attachment);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/** The key limits a socket was accepted with: each turn sent over it is admitted against them. */
export function socketLimits(ws: WebSocket): KeyLimitsOf | undefined {
  return (ws.deserializeAttachment() as SocketAttachment | null)?.limits;
}

/**
 * The key a socket was opened with, looked up again (under the HTTP path's 30 s key cache) for
 * each turn and warm-up sent over it: revoked, expired or no longer allowed the session's model
 * throws the 401 or 403 an HTTP call would get. Its current limits, or undefined without a key.
 */
export async function recheckSocketKey(ws: WebSocket, env: Bindings, model: string): Promise<KeyLimitsOf | undefined> {
  const limits = socketLimits(ws);
  const db = env.DB;
  if (!limits || !db) return limits;
  const record = await findKeyById(db, limits.id);
  checkKey(record);
  checkModel(record, model, env);
  return record;
}

/** Close codes for a socket whose key may no longer be used (4000-4999 are the application's). */
export const keyGoneCloseCode = (status: number): number | undefined =>
  status === 401 || status === 403 ? 4000 + status : undefined;
