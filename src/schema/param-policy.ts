import { GatewayError } from '../errors/gateway-error';

/** Named in errors and the dropped-params header; client-chosen names, so bounded. */
const MAX_PARAM_CHARS = 128;
const MAX_DROPPED = 32;

/** A client-chosen field name made safe to echo in a message or a header value. */
export function safeParam(param: string): string {
  const printable = param.replace(/[^\x21-\x7e]|,/g, '?');
  return printable.length > MAX_PARAM_CHARS ? `${printable.slice(0, MAX_PARAM_CHARS)}…` : printable;
}

export function unsupportedParameter(param: string, provider: string): GatewayError {
  const name = safeParam(param);
  return new GatewayError(
    400,
    'invalid_request_error',
    `'${name}' is not supported by provider '${provider}'. Send infe.drop_unsupported_params: true to drop it instead.`,
    { code: 'unsupported_parameter', param: name },
  );
}

/**
 * What a translation does with a field its provider has no equivalent for: a 400 naming the
 * field and the provider (the default), or, when the operator or the request opted in, drop it
 * and list it (the route sends the list as `x-infe-dropped-params`). Never a silent drop.
 */
export class ParamPolicy {
  readonly dropped: string[] = [];

  constructor(
    readonly provider: string,
    private readonly drop: boolean,
  ) {}

  unsupported(param: string): void {
    if (!this.drop) throw unsupportedParameter(param, this.provider);
    if (this.dropped.length < MAX_DROPPED) this.dropped.push(safeParam(param));
  }
}

/**
 * Fields every translation handles: the request's frame (model, conversation, streaming, output
 * cap), structured output and tools, and the gateway's own `infe` options.
 */
export const TRANSLATED_FIELDS: readonly string[] = [
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'response_format',
  'tools',
  'infe',
];

/** Values that ask for the default behaviour, so a provider without the field loses nothing. */
const NEUTRAL: Readonly<Record<string, (value: unknown) => boolean>> = {
  n: (value) => value === 1,
  logprobs: (value) => value === false,
  store: (value) => value === false,
  parallel_tool_calls: (value) => value === true,
  modalities: (value) => Array.isArray(value) && value.length === 1 && value[0] === 'text',
};

/**
 * Sends every field of `body` that the translation did not handle through the policy: a field
 * left `null` or at its neutral value (`n: 1`, `logprobs: false`) asks for nothing and passes.
 */
export function refuseUnhandled(
  body: Readonly<Record<string, unknown>>,
  handled: ReadonlySet<string>,
  policy: ParamPolicy,
  prefix = '',
): void {
  for (const [key, value] of Object.entries(body)) {
    if (handled.has(key) || value == null || NEUTRAL[key]?.(value)) continue;
    policy.unsupported(prefix + key);
  }
}
