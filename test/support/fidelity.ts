// What the response-fidelity tests compare: every event an upstream sent against what the client
// received, after the rewrites the README's compatibility notes list, and nothing else.

type Json = Record<string, any>;

/** The JSON of each `data:` line of an SSE body, `[DONE]` left out. */
export function sseData(text: string): Json[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice(6)));
}

const withoutNulls = (object: Json): Json =>
  Object.fromEntries(Object.entries(object).filter(([, value]) => value !== null));

/**
 * The documented rewrites of an OpenAI chunk: the gateway's own id, model and created; no
 * `obfuscation` padding; usage only on the last chunk (no `usage: null`); null fields left out
 * of a delta (`refusal: null`) and of a choice (vLLM's `stop_reason: null`), but for the
 * `logprobs` and `finish_reason` every chunk has.
 */
export function openAIRewrites(chunk: Json): Json {
  const { id: _id, created: _created, model: _model, obfuscation: _padding, usage, ...rest } = chunk;
  return {
    ...rest,
    ...(usage !== null && usage !== undefined && { usage }),
    choices: rest.choices.map((choice: Json) => ({
      ...withoutNulls(choice),
      logprobs: choice.logprobs,
      finish_reason: choice.finish_reason,
      delta: withoutNulls(choice.delta),
    })),
  };
}

/**
 * The documented rewrites of an Anthropic stream: the gateway's own message id and model, and its
 * `ping` right after `message_start` (pings are keep-alives, wherever they fall).
 */
export function anthropicRewrites(events: Json[]): Json[] {
  return events
    .filter((event) => event.type !== 'ping')
    .map((event) =>
      event.type === 'message_start' ? { ...event, message: { ...event.message, id: 'msg_*', model: '*' } } : event,
    );
}

/** The events of an SSE body that are OpenAI chunks with choices or usage (not gateway annotations). */
export function openAIChunks(text: string): Json[] {
  return sseData(text).filter((chunk) => !('infe' in chunk));
}

/**
 * The documented rewrites of a passed-through Responses stream: the response object names Infe's
 * id, the model as the client addressed it and Infe's state (`store`, `previous_response_id`,
 * `conversation`, `background`: the upstream was sent `store: false`); no `obfuscation` padding.
 */
export function responsesRewrites(events: Json[]): Json[] {
  const own = (response: Json) => ({
    ...response,
    id: 'resp_*',
    model: '*',
    store: '*',
    previous_response_id: '*',
    conversation: '*',
    background: '*',
  });
  return events.map(({ obfuscation: _padding, ...event }) =>
    event.response ? { ...event, response: own(event.response) } : event,
  );
}
