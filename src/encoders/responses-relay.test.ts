import { describe, expect, it } from 'vitest';
import responsesFidelity from '../../test/fixtures/responses-fidelity.sse?raw';
import { responsesRewrites, sseData } from '../../test/support/fidelity';
import { splits } from '../../test/support/split';
import { createResponsesDecoder } from '../providers/responses-decoder';
import type { StreamEvent } from '../stream/events';
import { type ResponseObject, responseShell } from './responses-object';
import { createResponsesSseEncoder } from './responses-sse';

const bytes = (text: string) => new TextEncoder().encode(text);
const shell = responseShell({ model: 'openai/gpt-5', input: 'Weather in Paris?' }, 'resp_infe1', 1);

/** Decoder straight into the Responses encoder, with `change` standing in for a stage. */
function relay(pieces: Uint8Array[], change: (event: StreamEvent) => StreamEvent = (event) => event) {
  const decoder = createResponsesDecoder();
  let final: ResponseObject | undefined;
  const encoder = createResponsesSseEncoder(shell, 'infe1', (response) => {
    final = response;
  });
  let out = '';
  const emit = (event: StreamEvent) => {
    out += encoder.event(change(event));
  };
  for (const piece of pieces) decoder.push(piece, emit);
  decoder.end(emit);
  const text = out + encoder.end();
  return { text, events: sseData(text), final };
}

describe('Responses passthrough: the upstream stream comes back as it came', () => {
  it('each event deep-equal but for the documented rewrites, however the bytes are split', () => {
    const whole = relay([bytes(responsesFidelity)]);
    expect(responsesRewrites(whole.events)).toEqual(responsesRewrites(sseData(responsesFidelity)));
    // Every other split writes the same bytes as the whole stream in one piece.
    for (const pieces of splits(bytes(responsesFidelity))) expect(relay(pieces).text).toBe(whole.text);
  });

  it("names Infe's response, the client's model and Infe's state in every response object", () => {
    const { events, final } = relay([bytes(responsesFidelity)]);
    for (const event of events.filter((e) => e.response)) {
      expect(event.response).toMatchObject({ id: 'resp_infe1', model: 'openai/gpt-5', store: true });
    }
    expect(final).toMatchObject({ id: 'resp_infe1', status: 'completed', usage: { total_tokens: 72 } });
  });

  it('a changed text reaches its delta, its done events, its item and the final response, nothing else', () => {
    const redact = (event: StreamEvent): StreamEvent =>
      event.type === 'text' ? { ...event, text: event.text.replace('Paris', '[city]') } : event;
    const { events, final } = relay([bytes(responsesFidelity)], redact);
    const json = JSON.stringify(events);
    const expectedText = 'Grüße aus [city] 東京!';
    expect(events.find((e) => e.type === 'response.output_text.done')?.text).toBe(expectedText);
    expect(events.find((e) => e.type === 'response.content_part.done')?.part.text).toBe(expectedText);
    const message = final?.output.find((item) => item.type === 'message') as { content: { text: string }[] };
    expect(message.content[0]?.text).toBe(expectedText);
    // Only the answer's text was changed: the reasoning summary and the call's arguments keep theirs.
    expect(json).toContain('look up Paris');
    expect(json).toContain('{\\"city\\":\\"Paris\\"}');
    expect(json).not.toContain('Grüße aus Paris');
  });

  it('a stage that ends the response first gets the gateway’s honest end, not the upstream’s completed', () => {
    let blocked = false;
    const block = (event: StreamEvent): StreamEvent => {
      if (event.type === 'text' && event.text === 'Paris') blocked = true;
      if (blocked && event.type === 'upstream-extra') return { type: 'guard', action: 'flag', rule: 'x' };
      if (event.type === 'finish' || (blocked && event.type === 'usage'))
        return { type: 'finish', reason: 'content_filter' };
      return event;
    };
    const { events, final } = relay([bytes(responsesFidelity)], block);
    expect(final).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
    expect(events.at(-1)?.type).toBe('response.incomplete');
    const closed = events.filter((e) => e.type === 'response.output_item.done').at(-1);
    expect(closed?.item).toMatchObject({ type: 'message', status: 'incomplete' });
  });
});
