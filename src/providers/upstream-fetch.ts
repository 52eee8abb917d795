import { upstreamHttpError, upstreamNetworkError } from '../errors/upstream';

/**
 * The one place the gateway calls a provider over HTTP. Redirects are refused rather than
 * followed (a redirect could carry our credentials to another host), a failure status becomes a
 * typed GatewayError, and an abort rejects with the signal's reason so callers can tell a
 * timeout from a hang-up.
 */
export async function upstreamFetch(
  provider: string,
  url: string,
  init: { headers: Record<string, string>; body: string; signal: AbortSignal },
): Promise<ReadableStream<Uint8Array>> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', redirect: 'manual', ...init });
  } catch {
    if (init.signal.aborted) throw init.signal.reason;
    throw upstreamNetworkError(provider);
  }
  if (!response.ok || !response.body) {
    // The body is never shown to the client; release the connection without reading it.
    await response.body?.cancel();
    throw upstreamHttpError(provider, response.ok ? 502 : response.status, response.headers);
  }
  return response.body;
}
