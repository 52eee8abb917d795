/** A Responses API output item, as `output[]` and the `output_item` events carry it. */
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';
export type ContentPart =
  | { type: 'output_text'; text: string; annotations: never[]; logprobs: never[] }
  | { type: 'refusal'; refusal: string }
  | { type: 'reasoning_text'; text: string };
export type OutputItem =
  | { type: 'message'; id: string; role: 'assistant'; status: ItemStatus; content: ContentPart[] }
  | { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: ItemStatus }
  | { type: 'reasoning'; id: string; summary: never[]; content: ContentPart[]; status: ItemStatus };

/** The `response` object every lifecycle event and the non-streaming reply carry. */
export type ResponseObject = Record<string, unknown> & { id: string; status: string; output: OutputItem[] };

/** One streaming event before its sequence number: `type` plus the event's own fields. */
export type WireEvent = { type: string } & Record<string, unknown>;

/** The kinds of streamed text: answer text and refusals live in a message, reasoning in its own item. */
export type TextKind = 'output_text' | 'refusal' | 'reasoning_text';

const textOfPart = (part: ContentPart) => (part.type === 'refusal' ? part.refusal : part.text);
const emptyPart = (kind: TextKind): ContentPart =>
  kind === 'output_text'
    ? { type: 'output_text', text: '', annotations: [], logprobs: [] }
    : kind === 'refusal'
      ? { type: 'refusal', refusal: '' }
      : { type: 'reasoning_text', text: '' };
const DELTA: Record<TextKind, string> = {
  output_text: 'response.output_text.delta',
  refusal: 'response.refusal.delta',
  reasoning_text: 'response.reasoning_text.delta',
};
const DONE: Record<TextKind, string> = {
  output_text: 'response.output_text.done',
  refusal: 'response.refusal.done',
  reasoning_text: 'response.reasoning_text.done',
};
/** `output_text` events carry logprobs (always empty here: no provider's logprobs are requested). */
const logprobs = (kind: TextKind) => (kind === 'output_text' ? { logprobs: [] } : {});

/**
 * Builds `output[]` from the gateway's events and tells `emit` each step the Responses stream
 * shows: item added, part added, deltas, part done, item done. Text and reasoning items close
 * when other content starts; function calls stay open to the end, so a late argument delta of a
 * parallel call still reaches its own item. `ids` makes item ids unique within the response.
 */
export function createOutputBuilder(ids: string, emit: (event: WireEvent) => void) {
  const output: OutputItem[] = [];
  /** The open message or reasoning item, and its open content part. */
  let open: { index: number; item: OutputItem & { content: ContentPart[] }; part?: TextKind } | undefined;
  /** Tool call index → output index of its (open) function_call item. */
  const calls = new Map<number, number>();

  const add = (item: OutputItem): number => {
    output.push(item);
    const index = output.length - 1;
    emit({ type: 'response.output_item.added', output_index: index, item });
    return index;
  };
  const closePart = () => {
    if (!open?.part) return;
    const { index, item, part: kind } = open;
    const contentIndex = item.content.length - 1;
    const part = item.content[contentIndex] as ContentPart;
    const at = { item_id: item.id, output_index: index, content_index: contentIndex };
    const field = kind === 'refusal' ? 'refusal' : 'text';
    emit({ type: DONE[kind], ...at, [field]: textOfPart(part), ...logprobs(kind) });
    emit({ type: 'response.content_part.done', ...at, part });
    open.part = undefined;
  };
  const closeOpen = (status: ItemStatus) => {
    if (!open) return;
    closePart();
    open.item.status = status;
    emit({ type: 'response.output_item.done', output_index: open.index, item: open.item });
    open = undefined;
  };

  return {
    output,
    /** Appends streamed text of one kind, opening the item and part it belongs in. */
    text(kind: TextKind, delta: string): void {
      if (delta === '') return;
      const itemType = kind === 'reasoning_text' ? 'reasoning' : 'message';
      if (open && open.item.type !== itemType) closeOpen('completed');
      if (!open) {
        const index = output.length;
        const item: OutputItem =
          itemType === 'message'
            ? { type: 'message', id: `msg_${ids}_${index}`, role: 'assistant', status: 'in_progress', content: [] }
            : { type: 'reasoning', id: `rs_${ids}_${index}`, summary: [], content: [], status: 'in_progress' };
        add(item);
        open = { index, item: item as OutputItem & { content: ContentPart[] } };
      }
      if (open.part !== kind) {
        closePart();
        open.item.content.push(emptyPart(kind));
        open.part = kind;
        const at = { item_id: open.item.id, output_index: open.index, content_index: open.item.content.length - 1 };
        emit({ type: 'response.content_part.added', ...at, part: emptyPart(kind) });
      }
      const contentIndex = open.item.content.length - 1;
      const part = open.item.content[contentIndex] as ContentPart;
      if (part.type === 'refusal') part.refusal += delta;
      else part.text += delta;
      emit({
        type: DELTA[kind],
        item_id: open.item.id,
        output_index: open.index,
        content_index: contentIndex,
        delta,
        ...logprobs(kind),
      });
    },
    toolStart(callIndex: number, callId: string, name: string): void {
      closeOpen('completed');
      const index = output.length;
      const item: OutputItem = {
        type: 'function_call',
        id: `fc_${ids}_${index}`,
        call_id: callId,
        name,
        arguments: '',
        status: 'in_progress',
      };
      calls.set(callIndex, add(item));
    },
    toolDelta(callIndex: number, delta: string): void {
      const index = calls.get(callIndex);
      const item = index === undefined ? undefined : output[index];
      if (item?.type !== 'function_call' || delta === '') return;
      item.arguments += delta;
      emit({ type: 'response.function_call_arguments.delta', item_id: item.id, output_index: index, delta });
    },
    /** Closes every open item with `status` (idempotent). */
    close(status: ItemStatus): void {
      closeOpen(status);
      for (const index of [...calls.values()].sort((a, b) => a - b)) {
        const item = output[index];
        if (item?.type !== 'function_call') continue;
        item.status = status;
        const at = { item_id: item.id, output_index: index };
        emit({ type: 'response.function_call_arguments.done', ...at, name: item.name, arguments: item.arguments });
        emit({ type: 'response.output_item.done', output_index: index, item });
      }
      calls.clear();
    },
  };
}

export type OutputBuilder = ReturnType<typeof createOutputBuilder>;
