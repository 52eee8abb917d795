import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../app-env';
import type { ResponseObject } from '../encoders/responses-object';
import type { InputItem } from '../schema/responses-request';
import { BackgroundRun, replay } from './background-run';
import { type BackgroundJob, type BackgroundServe, serveInBackground } from './background-serve';
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
export class ResponsesDO extends DurableObject<Bindings> {
  private readonly responses = new ResponseStore(this.ctx.storage.sql);
  private readonly conversations = new ConversationStore(this.ctx.storage.sql);
  /** Background responses running in this object, by id. */
  private readonly running = new Map<
    string,
    { run: BackgroundRun; serve: BackgroundServe; reader?: ReadableStreamDefaultReader<Uint8Array> }
  >();

  /** Keeps a finished response, and adds its input and output to its conversation, in one transaction. */
  put(response: ResponseObject, input: InputItem[], thread: ResponseThread): boolean {
    return this.ctx.storage.transactionSync(() => {
      if (thread.conversationId)
        this.conversations.append(thread.conversationId, [...input, ...(response.output as InputItem[])]);
      return this.responses.put(response, input, thread.previousId, Date.now());
    });
  }

  /** A running background response reads as `in_progress` once its first event is out. */
  get(id: string): StoredResponse | undefined {
    const stored = this.responses.get(id);
    const active = this.running.get(id);
    if (!stored || !active || active.run.log.length === 0) return stored;
    return { ...stored, response: JSON.stringify({ ...JSON.parse(stored.response), status: 'in_progress' }) };
  }

  /**
   * Starts a background response: it is stored as `queued` at once, runs here whatever the
   * client does, and is stored again, with its event log, when it ends. Returns the queued object.
   */
  startBackground(job: BackgroundJob, input: InputItem[], thread: ResponseThread): string {
    const id = job.shell.id;
    const queued = { ...job.shell, status: 'queued' };
    this.responses.put(queued, input, thread.previousId, Date.now());
    const run = new BackgroundRun();
    const onFinal = (response: ResponseObject) => this.put(response, input, thread);
    const serve = serveInBackground(this.env, (promise) => this.ctx.waitUntil(promise), job, onFinal);
    this.running.set(id, { run, serve });
    this.ctx.waitUntil(this.follow(id, run, serve, input, thread));
    return JSON.stringify(queued);
  }

  /** The stream of a background response after `after`: live while it runs, from its stored log after. */
  stream(id: string, after: number): ReadableStream<Uint8Array> | undefined {
    const active = this.running.get(id);
    if (active) return active.run.stream(after);
    const frames = this.responses.events(id);
    return frames && replay(frames, after);
  }

  /** Cancels a running background response (the upstream is aborted); the stored object either way. */
  async cancel(id: string): Promise<string | undefined> {
    const active = this.running.get(id);
    if (active) {
      const encoder = active.serve.encoder();
      if (encoder) active.run.push(encoder.cancel());
      active.serve.abort.abort();
      // Cancelling the served body makes the relay's next write fail, which aborts the upstream.
      await active.reader?.cancel().catch(() => {});
    }
    return this.responses.get(id)?.response;
  }

  private async follow(
    id: string,
    run: BackgroundRun,
    serve: BackgroundServe,
    input: InputItem[],
    thread: ResponseThread,
  ): Promise<void> {
    try {
      const response = await serve.response;
      if (response.status !== 200 || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
        const stored = this.responses.get(id);
        const shell = stored ? (JSON.parse(stored.response) as ResponseObject) : undefined;
        const cancelled = serve.abort.signal.aborted;
        const error = { code: 'server_error', message: body.error?.message ?? 'The response failed to start.' };
        if (shell)
          this.put({ ...shell, ...(cancelled ? { status: 'cancelled' } : { status: 'failed', error }) }, input, thread);
        return;
      }
      const reader = response.body.getReader();
      const active = this.running.get(id);
      if (active) active.reader = reader;
      const text = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) break;
        run.push(text.decode(value, { stream: true }));
      }
    } finally {
      this.responses.putEvents(id, run.log);
      run.end();
      this.running.delete(id);
    }
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
