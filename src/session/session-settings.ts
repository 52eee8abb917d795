import * as z from 'zod';
import { guardPolicySchema } from '../guard/policy';
import { DEFAULT_TRIM_TO } from './context-budget';

export const ON_BUSY = ['redirect', 'queue', 'reject'] as const;

/** With gateway auth off every session has this one owner. */
export const LOCAL_OWNER = 'local';

/** POST /v1/sessions. */
export const createSessionSchema = z.strictObject({
  /** `provider/model` or an alias, as for chat completions. */
  model: z.string().min(1),
  system: z.string().max(100_000).optional(),
  /** Tokens of history sent with each turn; the oldest turns are dropped to fit. */
  context_budget: z.number().int().min(256).max(2_000_000).default(8192),
  /**
   * Over budget, the context is cut down to this share of it, in one step: the start then stays
   * put for several turns, so the provider's prefix cache keeps matching (see fitContext).
   */
  context_trim_to: z.number().min(0.1).max(1).default(DEFAULT_TRIM_TO),
  /** What a new message does while a reply is still generating. */
  on_busy: z.enum(ON_BUSY).default('redirect'),
  /**
   * Accept warm-up signals (POST …/warmup, WebSocket `{type:'warmup'}`): each started one is an
   * extra, one-token upstream request that prefills the context so the next turn's TTFT is shorter.
   */
  warmup: z.boolean().default(false),
  max_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  /**
   * Guard policy for prompts and replies, added to the gateway's (it replaces it only where
   * `allow_overrides.disable_guard` is true). Stored as given.
   */
  guard: z
    .unknown()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const parsed = guardPolicySchema.safeParse(value);
      for (const issue of parsed.error?.issues ?? []) ctx.addIssue({ ...issue, path: issue.path, code: 'custom' });
      // A regular expression from a caller could be catastrophic and cost CPU on every token:
      // regex rules are for the operator's GATEWAY_CONFIG only.
      parsed.data?.rules.forEach((rule, index) => {
        if (rule.kind === 'regex') {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', index, 'kind'],
            message: "'regex' rules may only be set in GATEWAY_CONFIG",
          });
        }
      });
    }),
});

export const SESSION_ID_PATTERN = /^sess_[A-Za-z0-9_-]{22}$/;

/** What the sessions route hands the object to create a session: the request plus who and when. */
export const sessionSettingsSchema = createSessionSchema.extend({
  id: z.string().regex(SESSION_ID_PATTERN),
  owner: z.string().min(1),
  created_at: z.int().nonnegative(),
});

export type SessionSettings = z.infer<typeof sessionSettingsSchema>;

/** The gateway key a session's log records name: none while gateway auth is off. */
export const keyIdOf = (settings: SessionSettings): string | null =>
  settings.owner === LOCAL_OWNER ? null : settings.owner;

/** POST /v1/sessions/:id/messages, and a WebSocket `{ type: 'message' }`. */
export const postMessageSchema = z.strictObject({
  content: z.string().min(1).max(1_000_000),
  stream: z.boolean().optional(),
});

/** POST /v1/sessions/:id/warmup: no fields (see WARMUP_PLACEHOLDER for why no draft); the body may be empty. */
export const warmupSchema = z.strictObject({});

/** 128 random bits: a session id is a capability, so it must not be guessable. */
export function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `sess_${base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}
