import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ResponseObject } from '../encoders/responses-object';
import type { InputItem } from '../schema/responses-request';
import { MAX_ROW_BYTES, ResponseStore, storedInput } from './response-store';

const freshStub = () => env.RESPONSES.get(env.RESPONSES.idFromName(crypto.randomUUID()));

const reply = (id: string, text: string): ResponseObject => ({
  id,
  status: 'completed',
  output: [
    {
      type: 'message',
      id: `msg_${id}`,
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    },
  ],
});
const user = (text: string): InputItem => ({ type: 'message', role: 'user', content: text });

describe('ResponseStore', () => {
  it('gives a chain as every link’s input then output, oldest first', async () => {
    await runInDurableObject(freshStub(), (_instance, state) => {
      const store = new ResponseStore(state.storage.sql);
      store.put(reply('r1', 'one'), [user('a')], null, 1);
      store.put(reply('r2', 'two'), [user('b')], 'r1', 2);
      const texts = store.context('r2')?.map((item) => (item.type === 'message' ? JSON.stringify(item.content) : ''));
      expect(texts).toEqual(['"a"', expect.stringContaining('one'), '"b"', expect.stringContaining('two')]);
      expect(store.context('nope')).toBeUndefined();
      expect(store.delete('r1')).toBe(true);
      expect(store.delete('r1')).toBe(false);
      // A deleted link ends the chain there.
      expect(store.context('r2')).toHaveLength(2);
    });
  });

  it('refuses a response too large for one SQLite row instead of cutting it', async () => {
    await runInDurableObject(freshStub(), (_instance, state) => {
      const store = new ResponseStore(state.storage.sql);
      expect(store.put(reply('big', 'x'.repeat(MAX_ROW_BYTES)), [], null, 1)).toBe(false);
      expect(store.get('big')).toBeUndefined();
    });
  });

  it('lists input as OpenAI does: ids on every item, text as parts', () => {
    expect(storedInput([user('hi'), { type: 'message', role: 'assistant', content: 'yo' }], 'resp_abc')).toEqual([
      { type: 'message', role: 'user', id: 'item_abc_0', content: [{ type: 'input_text', text: 'hi' }] },
      {
        type: 'message',
        role: 'assistant',
        id: 'item_abc_1',
        content: [{ type: 'output_text', text: 'yo', annotations: [], logprobs: [] }],
      },
    ]);
  });
});
