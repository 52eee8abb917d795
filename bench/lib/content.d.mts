export function jsonReply(chars: number): string;
export const REPLY_SCHEMA: Record<string, unknown>;
export const STRUCTURED_REQUEST: {
  response_format: {
    type: 'json_schema';
    json_schema: { name: string; schema: Record<string, unknown>; strict: boolean };
  };
};
export function jsonScenario(options: { chars: number; unit: number; gap: number; id?: string }): string;
export const WORD_TOKENS: string;
export function wordScenario(options: { gap: number; id?: string }): string;
