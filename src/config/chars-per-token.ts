/**
 * 4 characters a token is the usual English estimate with the common BPE tokenizers: used
 * wherever a count is needed that no provider reported (output without usage, a splice's
 * offset, a prompt before it is sent).
 */
export const CHARS_PER_TOKEN = 4;
