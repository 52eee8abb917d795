import type { GatewayError } from '../errors/gateway-error';
import type { StreamEvent, Usage } from '../stream/events';
import type { OutputItem, ResponseObject, WireEvent } from './responses-output';

type Json = Record<string, unknown>;
/** How the gateway would end the response (ResponseEnding in responses-object.ts, which builds on this file). */
interface Ending {
  usage: Usage | undefined;
  finalize(shell: ResponseObject, output: OutputItem[], failure?: GatewayError): ResponseObject;
}
type ResponsesExtra = Extract<StreamEvent, { type: 'upstream-extra'; dialect: 'responses' }>;
/** Where the deltas of one kind go: the part (or summary part, or call) the upstream opened last. */
interface Location {
  delta: string;
  at: Json;
  key: string;
}

const keyOf = (itemId: unknown, content?: unknown, summary?: unknown) => `${itemId}|${content ?? ''}|${summary ?? ''}`;

/** Done events whose full text is the concatenation of their deltas, and the field that holds it. */
const DONE_FIELD: Record<string, string> = {
  'response.output_text.done': 'text',
  'response.refusal.done': 'refusal',
  'response.reasoning_text.done': 'text',
  'response.reasoning_summary_text.done': 'text',
  'response.function_call_arguments.done': 'arguments',
};

/** Deltas the typed events carry: an extra of one of these is the residue of the next delta written. */
const TYPED_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.reasoning_text.delta',
  'response.reasoning_summary_text.delta',
  'response.function_call_arguments.delta',
]);

/**
 * Re-emits a Responses upstream's own stream (passthrough): each upstream event as it came, but
 * with Infe's response id, the model as the client named it and Infe's state fields (the upstream
 * was sent `store: false`), and the text the stages let through. Deltas are written from the
 * typed events at the location the upstream opened; every `.done` event, item and final response
 * carries the text that was actually sent, so a redaction reaches the final output too. The
 * upstream's terminal event goes out as it came when the gateway ended the response the same way;
 * otherwise (a guard block, a structured stop) the gateway writes its own honest end.
 */
export function createResponsesRelay(shell: ResponseObject, write: (event: WireEvent) => void) {
  /** Location key → the text sent there, for every part that had deltas. */
  const sent = new Map<string, string>();
  const where: Partial<Record<'text' | 'refusal' | 'reasoning', Location>> = {};
  const calls: Location[] = [];
  /** Items added and not done yet, by output index, with the parts opened in them. */
  const open = new Map<number, Json>();
  const done: Json[] = [];
  let current: ResponseObject = shell;
  let terminal: Json | undefined;
  let envelope: Json | undefined;

  const text = (key: string, fallback: unknown) => sent.get(key) ?? fallback;
  const part = (itemId: unknown, index: number, value: Json, summary = false): Json => {
    const key = summary ? keyOf(itemId, undefined, index) : keyOf(itemId, index);
    if (!sent.has(key)) return value;
    return value.type === 'refusal' ? { ...value, refusal: sent.get(key) } : { ...value, text: sent.get(key) };
  };
  const item = (value: Json): Json => {
    const id = value.id;
    if (value.type === 'function_call') return { ...value, arguments: text(keyOf(id), value.arguments) };
    const out = { ...value };
    if (Array.isArray(value.content)) out.content = (value.content as Json[]).map((p, i) => part(id, i, p));
    if (Array.isArray(value.summary)) out.summary = (value.summary as Json[]).map((p, i) => part(id, i, p, true));
    return out;
  };
  const response = (value: Json): ResponseObject => {
    const output = Array.isArray(value.output) ? (value.output as Json[]).map(item) : [];
    const own = {
      id: shell.id,
      model: shell.model,
      store: shell.store,
      previous_response_id: shell.previous_response_id,
      conversation: shell.conversation,
      background: shell.background,
    };
    return { ...value, ...own, output } as unknown as ResponseObject;
  };

  const located = (kind: 'text' | 'refusal' | 'reasoning', delta: string, at: Json, key: string) => {
    where[kind] = { delta, at, key };
  };

  const extra = ({ event }: ResponsesExtra): void => {
    switch (event.type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued':
        current = response((event.response ?? {}) as Json);
        write({ ...event, response: current });
        return;
      case 'response.output_item.added': {
        const added = { ...(event.item as Json) };
        const index = event.output_index as number;
        open.set(index, added);
        if (added.type === 'function_call') {
          calls.push({
            delta: 'response.function_call_arguments.delta',
            at: { item_id: added.id, output_index: index },
            key: keyOf(added.id),
          });
        }
        break;
      }
      case 'response.content_part.added': {
        const p = (event.part ?? {}) as Json;
        const at = { item_id: event.item_id, output_index: event.output_index, content_index: event.content_index };
        const key = keyOf(event.item_id, event.content_index);
        const parent = open.get(event.output_index as number);
        if (parent)
          parent.content = Object.assign([...((parent.content as Json[]) ?? [])], {
            [event.content_index as number]: p,
          });
        if (p.type === 'output_text') located('text', 'response.output_text.delta', at, key);
        else if (p.type === 'refusal') located('refusal', 'response.refusal.delta', at, key);
        else if (p.type === 'reasoning_text') located('reasoning', 'response.reasoning_text.delta', at, key);
        break;
      }
      case 'response.reasoning_summary_part.added': {
        const at = { item_id: event.item_id, output_index: event.output_index, summary_index: event.summary_index };
        located(
          'reasoning',
          'response.reasoning_summary_text.delta',
          at,
          keyOf(event.item_id, undefined, event.summary_index),
        );
        const parent = open.get(event.output_index as number);
        if (parent)
          parent.summary = Object.assign([...((parent.summary as Json[]) ?? [])], {
            [event.summary_index as number]: event.part,
          });
        break;
      }
      case 'response.content_part.done':
        write({ ...event, part: part(event.item_id, event.content_index as number, event.part as Json) });
        return;
      case 'response.reasoning_summary_part.done':
        write({ ...event, part: part(event.item_id, event.summary_index as number, event.part as Json, true) });
        return;
      case 'response.output_item.done': {
        const finished = item(event.item as Json);
        open.delete(event.output_index as number);
        done[event.output_index as number] = finished;
        write({ ...event, item: finished });
        return;
      }
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        terminal = event;
        return;
      default: {
        const field = DONE_FIELD[event.type];
        if (field) {
          const key = keyOf(event.item_id, event.content_index, event.summary_index);
          write({ ...event, [field]: text(key, event[field]) });
          return;
        }
        // A delta's own fields beyond its text (logprobs): merged into the delta written next.
        if (TYPED_DELTAS.has(event.type)) {
          envelope = event;
          return;
        }
      }
    }
    write(event);
  };

  const delta = (location: Location | undefined, value: string, logprobs: boolean) => {
    if (!location || value === '') return;
    const own = envelope?.type === location.delta ? envelope : undefined;
    envelope = undefined;
    write({ ...own, type: location.delta, ...location.at, delta: value, ...(logprobs && !own && { logprobs: [] }) });
    sent.set(location.key, (sent.get(location.key) ?? '') + value);
  };

  const output = () => done.filter(Boolean) as unknown as OutputItem[];
  /** Items still open when the gateway ended the response first: closed as cut short. */
  const closeOpen = () => {
    for (const [index, added] of [...open].sort(([a], [b]) => a - b)) {
      const closed = item({ ...added, status: 'incomplete' });
      done[index] = closed;
      write({ type: 'response.output_item.done', output_index: index, item: closed });
    }
    open.clear();
  };

  return {
    event(event: StreamEvent): void {
      switch (event.type) {
        case 'upstream-extra':
          if (event.dialect === 'responses') extra(event);
          return;
        case 'text':
          delta(where.text, event.text, true);
          return;
        case 'refusal':
          delta(where.refusal, event.text, false);
          return;
        case 'reasoning':
          delta(where.reasoning, event.text, false);
          return;
        case 'tool-call-delta':
          delta(calls[event.index], event.arguments, false);
          return;
      }
    },
    /** Its owner cancelled it: open items close as cut short, the response says cancelled. */
    cancel(ending: Ending): ResponseObject {
      closeOpen();
      return { ...ending.finalize(current, output()), status: 'cancelled', completed_at: null };
    },
    /** The final response: the upstream's own end when the gateway ended it the same way. */
    end(ending: Ending, failure?: GatewayError): ResponseObject {
      const upstream = terminal && !failure ? response(terminal.response as Json) : undefined;
      if (terminal && upstream && upstream.status === ending.finalize(current, []).status) {
        withGatewayCost(upstream, ending.usage?.costUsd);
        write({ ...terminal, type: String(terminal.type), response: upstream });
        return upstream;
      }
      closeOpen();
      const final = ending.finalize(current, output(), failure);
      write({ type: final.status === 'failed' ? 'response.failed' : `response.${final.status}`, response: final });
      if (failure) write({ type: 'error', code: failure.code, message: failure.message, param: failure.param });
      return final;
    },
  };
}

/** The upstream's usage gains the gateway's `cost` only where it has none of its own (see withCost). */
function withGatewayCost(response: ResponseObject, costUsd: number | undefined): void {
  const usage = response.usage;
  if (costUsd === undefined || usage === null || typeof usage !== 'object') return;
  if ((usage as Json).cost === undefined) response.usage = { ...usage, cost: costUsd };
}

export type ResponsesRelay = ReturnType<typeof createResponsesRelay>;
