import type { InputItem, ResponsesRequest } from './responses-request';
import { inputItems } from './responses-to-chat';

/**
 * The body a provider that serves the Responses API receives: the client's request as sent,
 * except what Infe owns. Infe keeps responses and conversations on its Durable Objects, so one
 * chain works across providers and the ids a client holds are Infe's: the context it continues is
 * expanded into `input`, `previous_response_id`, `conversation` and `background` stay here, and
 * the upstream is told `store: false` (it keeps nothing a client could never address through
 * Infe). The request is validated as for every provider (the target is chosen after parsing), so
 * a hosted tool is a 400 here too unless the client opted in to its drop. `client_metadata` is the client's telemetry, never sent upstream on any route. `stream`
 * is always on: the gateway's pipeline reads the stream either way.
 */
export function responsesUpstreamBody(
  request: ResponsesRequest,
  context: readonly InputItem[],
  functionToolsOnly = false,
): Record<string, unknown> {
  const {
    infe: _gatewayOnly,
    previous_response_id: _previous,
    conversation: _conversation,
    background: _background,
    client_metadata: _telemetry,
    ...fields
  } = request;
  const input = context.length > 0 ? [...context, ...inputItems(request.input)] : request.input;
  const body: Record<string, unknown> = { ...fields, input, store: false, stream: true };
  // The opt-in drop of hosted tools holds on every provider, so `x-infe-dropped-params` is true here too.
  if (functionToolsOnly && request.tools) body.tools = request.tools.filter((tool) => tool.type === 'function');
  return body;
}
