import * as z from 'zod';
import { inputItem, metadata } from './responses-request';

/** `POST /v1/conversations`: optional metadata and up to 20 starting items, as OpenAI allows. */
export const createConversationSchema = z.strictObject({
  metadata: metadata.nullable().optional(),
  items: z.array(inputItem).max(20).nullable().optional(),
});

/** `POST /v1/conversations/{id}`: new metadata. */
export const updateConversationSchema = z.strictObject({ metadata });

/** `POST /v1/conversations/{id}/items`: up to 20 items to add at the end. */
export const addItemsSchema = z.strictObject({ items: z.array(inputItem).min(1).max(20) });
