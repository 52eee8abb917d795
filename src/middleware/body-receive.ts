import { GatewayError } from '../errors/gateway-error';

/** Why a body was not received: too large (413) or still arriving at the deadline (408). */
export type Received = { ok: true; body: Uint8Array } | { ok: false; reason: 'too_large' };

const timedOut = (timeoutMs: number) =>
  new GatewayError(408, 'invalid_request_error', `The request body did not arrive within ${timeoutMs} ms.`, {
    code: 'request_timeout',
  });

/**
 * Reads a whole request body, at most `maxBytes` of it and within `timeoutMs`: a client that
 * sends half a body and goes silent is answered 408 instead of holding the request open (and
 * whatever the route would take before reading it). Throws the 408; reports a body too large.
 */
export async function receiveBody(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  timeoutMs: number,
): Promise<Received> {
  const reader = stream.getReader();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const read = await Promise.race([reader.read(), deadline]);
      if (read === 'late') throw timedOut(timeoutMs);
      if (read.done) break;
      size += read.value.length;
      if (size > maxBytes) return { ok: false, reason: 'too_large' };
      chunks.push(read.value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return { ok: true, body };
}
