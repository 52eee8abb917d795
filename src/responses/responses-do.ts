import { DurableObject } from 'cloudflare:workers';
import type { ResponseObject } from '../encoders/responses-object';
import type { InputItem } from '../schema/responses-request';
import { ResponseStore, type StoredResponse } from './response-store';

/**
 * One API key's stored responses. Keyed by the key, so a response id another key names is simply
 * not in its object: isolation needs no owner check that could be forgotten.
 */
export class ResponsesDO extends DurableObject {
  private readonly store = new ResponseStore(this.ctx.storage.sql);

  put(response: ResponseObject, input: InputItem[], previousId: string | null): boolean {
    return this.store.put(response, input, previousId, Date.now());
  }

  get(id: string): StoredResponse | undefined {
    return this.store.get(id);
  }

  delete(id: string): boolean {
    return this.store.delete(id);
  }

  context(id: string): InputItem[] | undefined {
    return this.store.context(id);
  }
}
