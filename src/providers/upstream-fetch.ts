import { upstreamHttpError, upstreamNetworkError } from '../errors/upstream';
import { readUpstreamDetail, upstreamRequestId } from '../errors/upstream-detail';

export interface UpstreamResponse {
  body: ReadableStream<Uint8Array>;
  /** The provider's id for the request (`x-request-id` / `request-id`). */
  requestId?: string;
}

/**
 * The one place the gateway calls a provider over HTTP. Redirects are refused rather than
 * followed (a redirect could carry our credentials to another host), a failure status becomes a
 * typed GatewayError (with the provider's scrubbed reasons when the request was at fault), and
 * an abort rejects with the signal's reason so callers can tell a timeout from a hang-up.
 */
export async function upstreamFetch(
  provider: string,
  url: string,
  init: { headers: Record<string, string>; body: string; signal: AbortSignal },
): Promise<UpstreamResponse> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', redirect: 'manual', ...init });
  } catch (error) {
    if (init.signal.aborted) throw init.signal.reason;
    // One line per failed attempt says which provider and host could not be reached (the request
    // record only lists attempts at the end); the host never carries credentials, the URL might.
    // workerd reports a failed DNS lookup as an opaque "internal error; reference = …": left out.
    const reason = String((error as Error)?.message ?? error).slice(0, 200);
    const said = reason.startsWith('internal error') ? {} : { error: reason };
    console.warn(JSON.stringify({ type: 'upstream_unreachable', provider, host: hostOf(url), ...said }));
    throw upstreamNetworkError(provider);
  }
  if (!response.ok || !response.body) {
    // Credentials failures are never read: the provider's words about them can quote the key.
    const readable = !response.ok && response.status !== 401 && response.status !== 403;
    const detail = readable ? await readUpstreamDetail(response).catch(() => ({})) : {};
    if (!readable) await response.body?.cancel();
    throw upstreamHttpError(provider, response.ok ? 502 : response.status, response.headers, detail);
  }
  return { body: response.body, requestId: upstreamRequestId(response.headers) };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid URL';
  }
}
