import { GatewayError } from '../errors/gateway-error';

/**
 * Largest message content stored, in UTF-8 bytes. SQLite rows in a Durable Object are limited
 * to 2 MB; 1 MiB leaves room for the rest of the row and is above any model's output limit
 * (128k tokens is about 0.5 MB of text).
 */
export const MESSAGE_MAX_BYTES = 1024 * 1024;

export type MessageRole = 'user' | 'assistant';
export type MessageStatus = 'complete' | 'interrupted' | 'failed';

export interface NewMessage {
  /** A user message and its reply share a turn id. */
  turnId: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
}

export interface StoredMessage extends NewMessage {
  id: number;
  /** Epoch milliseconds. */
  createdAt: number;
}

/** A user message over MESSAGE_MAX_BYTES: a 413 the client can act on. */
export class MessageTooLargeError extends GatewayError {
  constructor(bytes: number) {
    super(413, 'invalid_request_error', `The message is ${bytes} bytes; the limit is ${MESSAGE_MAX_BYTES} bytes.`, {
      code: 'message_too_large',
      param: 'content',
    });
    this.name = 'MessageTooLargeError';
  }
}

interface MessageRow extends Record<string, SqlStorageValue> {
  id: number;
  turn_id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  created_at: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The conversation, oldest first. Size rule: a user message over MESSAGE_MAX_BYTES is refused
 * (MessageTooLargeError, 413) before anything is stored; an assistant reply over it is cut to
 * the limit at a character boundary, because the reply was already streamed and refusing it
 * would lose the whole turn.
 */
export class History {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS history_messages (
      id INTEGER PRIMARY KEY,
      turn_id TEXT NOT NULL,
      role TEXT NOT NULL,
      content TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`);
  }

  append(message: NewMessage): StoredMessage {
    const content = fitContent(message);
    const row = this.sql
      .exec<MessageRow>(
        `INSERT INTO history_messages (turn_id, role, content, status, created_at) VALUES (?, ?, ?, ?, ?)
         RETURNING id, turn_id, role, content, status, created_at`,
        message.turnId,
        message.role,
        content,
        message.status,
        Date.now(),
      )
      .one();
    return toMessage(row);
  }

  list(): StoredMessage[] {
    return this.sql
      .exec<MessageRow>('SELECT id, turn_id, role, content, status, created_at FROM history_messages ORDER BY id')
      .toArray()
      .map(toMessage);
  }

  /** The newest message's id; 0 for an empty history. Ids only grow, so it names the history's state. */
  lastId(): number {
    return this.sql.exec<{ id: number }>('SELECT COALESCE(MAX(id), 0) AS id FROM history_messages').one().id;
  }

  clear(): void {
    this.sql.exec('DELETE FROM history_messages');
  }
}

function fitContent({ role, content }: NewMessage): string {
  // Every UTF-16 code unit is at most 3 UTF-8 bytes: short messages need no encoding.
  if (content.length * 3 <= MESSAGE_MAX_BYTES) return content;
  const bytes = encoder.encode(content);
  if (bytes.length <= MESSAGE_MAX_BYTES) return content;
  if (role === 'user') throw new MessageTooLargeError(bytes.length);
  let end = MESSAGE_MAX_BYTES;
  // Continuation bytes are 0b10xxxxxx: back up to the start of a character.
  while (((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end));
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    turnId: row.turn_id,
    role: row.role,
    content: row.content,
    status: row.status,
    createdAt: row.created_at,
  };
}
