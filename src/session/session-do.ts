import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../app-env';

/** One per session id: holds the conversation and runs its generations (see src/session/). */
export class SessionDO extends DurableObject<Bindings> {
  override async fetch(_request: Request): Promise<Response> {
    return new Response('not implemented', { status: 501 });
  }
}
