// @ts-check
/**
 * The conversation on screen: one Turn per user message and its reply, by turn id, and the
 * turns whose reply is still running.
 *
 * @typedef {'waiting' | 'streaming' | 'done' | 'interrupted' | 'failed'} ReplyState
 * @typedef {'stop' | 'redirect' | 'elsewhere'} StopCause
 * @typedef {'session' | 'json' | 'responses'} TurnKind
 * @typedef {object} Turn
 * @property {string | null} turnId
 * @property {string} content   the user's message
 * @property {StopCause} [stopCause] who stopped the reply, when this tab knows
 * @property {boolean} [elsewhere] sent by another viewer (no TTFT here: this tab did not send it)
 * @property {boolean} [refused] the model declined (its refusal text is the reply)
 * @property {HTMLElement} reply
 * @property {HTMLElement} body
 * @property {Text} tail   the end of the text that might still become a placeholder
 * @property {HTMLElement} meta
 * @property {HTMLElement} badges
 * @property {string} text
 * @property {number} rendered  characters of `text` already turned into nodes before `tail`
 * @property {number} seq       the last session event applied to this turn
 * @property {ReplyState} state
 * @property {number} [cost]   USD, the reply's `usage.cost` as the gateway reported it
 * @property {import('./meter.js').ReplyMeter} meter
 * @property {TurnKind} kind
 * @property {HTMLPreElement} [object]
 * @property {HTMLElement} [result]
 * @property {{ ttftMs: number, tokensPerSecond: number } } [gateway]
 * @property {'hit' | 'collapsed'} [cache] served from the gateway's response cache, or joined a request in flight
 */

/** @type {Map<string, Turn>} */
export const turns = new Map();
/** @type {Set<Turn>} */
export const live = new Set();
