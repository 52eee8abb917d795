import { DurableObject } from 'cloudflare:workers';
import type { ResponseObject } from '../encoders/responses-object';
import type { InputItem } from '../schema/responses-request';
import { type ConversationResource, ConversationStore } from './conversation-store';
import { ResponseStore, type StoredResponse } from './response-store';

/** Where a finished response belongs: the response it continued, or the conversation it was made in. */
export interface ResponseThread {
  previousId: string | null;
  conversationId: string | null;
}

/**
 * One API key's stored responses and conversations. Keyed by the key, so an id another key names
 * is simply not in its object: isolation needs no owner check that could be forgotten.
 */
export class ResponsesDO extends DurableObject {
  private readonly responses = new ResponseStore(this.ctx.storage.sql);
  private readonly conversations = new ConversationStore(this.ctx.storage.sql);

  /** Keeps a finished response, and adds its input and output to its conversation, in one transaction. */
  put(response: ResponseObject, input: InputItem[], thread: ResponseThread): boolean {
    return this.ctx.storage.transactionSync(() => {
      if (thread.conversationId)
        this.conversations.append(thread.conversationId, [...input, ...(response.output as InputItem[])]);
      return this.responses.put(response, input, thread.previousId, Date.now());
    });
  }

  get(id: string): StoredResponse | undefined {
    return this.responses.get(id);
  }

  delete(id: string): boolean {
    return this.responses.delete(id);
  }

  /** As JSON text: items hold free-form fields (annotations) that RPC's types cannot follow. */
  context(id: string): string | undefined {
    const items = this.responses.context(id);
    return items && JSON.stringify(items);
  }

  createConversation(id: string, metadata: Record<string, string>, items: InputItem[]): ConversationResource {
    return this.conversations.create(id, metadata, items, Math.floor(Date.now() / 1000));
  }

  conversation(id: string): ConversationResource | undefined {
    return this.conversations.get(id);
  }

  updateConversation(id: string, metadata: Record<string, string>): ConversationResource | undefined {
    return this.conversations.update(id, metadata);
  }

  deleteConversation(id: string): boolean {
    return this.conversations.delete(id);
  }

  appendItems(id: string, items: InputItem[]): boolean {
    return this.conversations.append(id, items);
  }

  /** As JSON text, like `context`. */
  conversationItems(id: string): string | undefined {
    const items = this.conversations.items(id);
    return items && JSON.stringify(items);
  }

  deleteItem(id: string, itemId: string): boolean {
    return this.conversations.deleteItem(id, itemId);
  }
}
