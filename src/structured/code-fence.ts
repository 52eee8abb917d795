/**
 * Models often wrap JSON in a Markdown fence (```json … ```) even when asked for bare JSON. The
 * fence is tolerated, not required: leading whitespace and one opening fence line are dropped
 * before the body, and only whitespace and one closing fence may follow the value.
 */
const OPENING = /^```[\w.+-]*[ \t]*\r?\n/;
/** What an opening fence line can look like before its newline has arrived. */
const OPENING_PREFIX = /^(`{1,2}|```[\w.+-]*[ \t]*\r?)$/;
/** A fence line longer than this is prose, not a fence; the stream is not held waiting for it. */
const MAX_OPENING = 40;
const WHITESPACE = /^\s*/;

export class CodeFence {
  /** Set once the text around the value cannot be a fence: the output can no longer be valid. */
  error: string | undefined;
  private pending = '';
  private inBody = false;
  private closingTicks = 0;

  /** Returns the part of `text` that belongs to the JSON body ('' while still before it). */
  open(text: string): string {
    if (this.inBody) return text;
    const pending = this.pending + text;
    const start = WHITESPACE.exec(pending)?.[0].length ?? 0;
    const rest = pending.slice(start);
    if (rest === '') return '';
    if (!rest.startsWith('`')) {
      this.enterBody();
      return rest;
    }
    const opening = OPENING.exec(rest);
    if (opening) {
      this.enterBody();
      return rest.slice(opening[0].length);
    }
    if (rest.length > MAX_OPENING || !OPENING_PREFIX.test(rest)) this.error = 'unexpected text before the JSON value';
    this.pending = rest;
    return '';
  }

  /** Checks text that came after the complete value. */
  close(text: string): void {
    for (const char of text) {
      if (this.error) return;
      if (char === '`' && this.closingTicks < 3) {
        this.closingTicks++;
      } else if (!/\s/.test(char) || this.closingTicks === 1 || this.closingTicks === 2) {
        this.error = 'unexpected text after the JSON value';
      }
    }
  }

  /** The stream is over: a closing fence cut short is text after the value too. */
  finish(): void {
    if (this.closingTicks === 1 || this.closingTicks === 2) this.error ??= 'unexpected text after the JSON value';
  }

  private enterBody(): void {
    this.inBody = true;
    this.pending = '';
  }
}
