import { errorBody } from '../errors/gateway-error';
import type { OpenAIExtraChoice, StreamEvent, Usage } from '../stream/events';
import { openAIUsage } from './client-usage';
import type { Encoder, ResponseMeta } from './encoder';

type OpenAIExtra = Extract<StreamEvent, { type: 'upstream-extra'; dialect: 'openai' }>;
type Json = Record<string, unknown>;

/**
 * OpenAI `chat.completion.chunk` SSE, as the official SDKs parse it. The constant head of
 * every chunk is serialised once per stream; per event only the delta is stringified.
 * Gateway annotations go out only when `annotations` is on, as chunks with no choices and an
 * `infe` field, which SDK clients iterate past safely.
 *
 * What an OpenAI-dialect upstream sent beyond the typed events (logprobs, annotations, audio,
 * `x_groq`, …) arrives as an `upstream-extra` just before its chunk's first typed event and is
 * merged into the chunk written for it; one whose chunk had nothing typed, or whose typed event a
 * stage held back, goes out as a chunk of its own, at the latest when the read is flushed.
 */
export function createOpenAISseEncoder(meta: ResponseMeta, includeUsage: boolean, annotations = false): Encoder {
  const base = `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},`;
  /** `base` plus the upstream's stream constants (`system_fingerprint`, `service_tier`). */
  let chunkHead = base;
  const constants: Json = {};
  /** Choice index → the serialised head of its chunks, up to the delta. */
  let heads: string[] = [];
  /** Choices whose role chunk is out: every SDK accumulator needs one per choice. */
  const opened: boolean[] = [];
  let pending: OpenAIExtra | undefined;
  let usage: Usage | undefined;
  let reasoningField: 'reasoning_content' | 'reasoning' = 'reasoning_content';

  const headOf = (at: number) => {
    let head = heads[at];
    if (head === undefined) {
      head = `${chunkHead}"choices":[{"index":${at},"delta":`;
      heads[at] = head;
    }
    return head;
  };
  const open = (at: number): string => {
    if (opened[at]) return '';
    opened[at] = true;
    return `${headOf(at)}{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  };
  const chunk = (fields: Json | undefined, choices: unknown[]) => {
    const top = fields ? `${JSON.stringify(fields).slice(1, -1)},` : '';
    return `${chunkHead}${top}"choices":${JSON.stringify(choices)}}\n\n`;
  };
  const choiceOf = (at: number, delta: Json, finish: string | null, extra?: OpenAIExtraChoice) => ({
    index: at,
    delta: extra?.delta ? { ...delta, ...extra.delta } : delta,
    logprobs: null,
    finish_reason: finish,
    ...extra?.fields,
  });

  /** An extra written as a chunk of its own. */
  const alone = (extra: OpenAIExtra): string => {
    // The upstream's role chunk carried it (Groq's first `x_groq`): so does ours.
    if (!opened[0] && !extra.choices?.some((c) => c.index !== 0)) {
      opened[0] = true;
      return chunk(extra.fields, [choiceOf(0, { role: 'assistant', content: '' }, null, extra.choices?.[0])]);
    }
    let out = open(0);
    for (const choice of extra.choices ?? []) out += open(choice.index);
    if (!extra.fields && !extra.choices?.length) return out;
    return (
      out +
      chunk(
        extra.fields,
        (extra.choices ?? []).map((c) => choiceOf(c.index, {}, null, c)),
      )
    );
  };
  const flushPending = (): string => {
    const extra = pending;
    pending = undefined;
    return extra ? alone(extra) : '';
  };

  const write = (at: number, delta: Json, finish: string | null = null): string => {
    const out = open(0) + (at === 0 ? '' : open(at));
    if (!pending) {
      return `${out}${headOf(at)}${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish ? `"${finish}"` : 'null'}}]}\n\n`;
    }
    const { fields, choices } = pending;
    const mine = choices?.find((c) => c.index === at);
    const left = choices?.filter((c) => c !== mine);
    pending = left?.length ? { type: 'upstream-extra', dialect: 'openai', choices: left } : undefined;
    return out + chunk(fields, [choiceOf(at, delta, finish, mine)]);
  };

  const extra = (event: OpenAIExtra): string => {
    if (event.constants) {
      Object.assign(constants, event.constants);
      chunkHead = `${base}${JSON.stringify(constants).slice(1, -1)},`;
      heads = [];
    }
    if (event.reasoningField) reasoningField = event.reasoningField;
    if (!event.fields && !event.choices) return '';
    if (event.alone) return alone(event);
    const out = flushPending();
    pending = event;
    return out;
  };

  const encode = (event: StreamEvent): string => {
    const at = 'choice' in event ? (event.choice ?? 0) : 0;
    switch (event.type) {
      case 'start':
        return '';
      case 'upstream-extra':
        return event.dialect === 'openai' ? extra(event) : '';
      case 'text':
        return write(at, { content: event.text });
      case 'reasoning':
        return write(
          at,
          reasoningField === 'reasoning' ? { reasoning: event.text } : { reasoning_content: event.text },
        );
      case 'refusal':
        return write(at, { refusal: event.text });
      case 'tool-call-start':
        return write(at, {
          tool_calls: [
            { index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } },
          ],
        });
      case 'tool-call-delta':
        return write(at, { tool_calls: [{ index: event.index, function: { arguments: event.arguments } }] });
      case 'finish':
        return write(at, {}, event.reason);
      case 'usage':
        usage = event.usage;
        return '';
      case 'error':
        return '';
      default:
        return annotations ? `${open(0)}${chunkHead}"choices":[],"infe":${JSON.stringify(event)}}\n\n` : '';
    }
  };

  return {
    contentType: 'text/event-stream; charset=utf-8',
    event: encode,
    flush: flushPending,
    error(error) {
      return `${flushPending()}data: ${JSON.stringify(errorBody(error))}\n\n`;
    },
    end() {
      const head = open(0) + flushPending();
      const tail =
        includeUsage && usage ? `${chunkHead}"choices":[],"usage":${JSON.stringify(openAIUsage(usage))}}\n\n` : '';
      return `${head}${tail}data: [DONE]\n\n`;
    },
    probe() {
      return ': waiting for the provider\n\n';
    },
  };
}
