import type { GuardAction } from '../guard/policy';

// What each stage adds to its request's log record. Declared here, below the stages and the
// StageControl that collects them, so neither has to import the other.

/** A guard rule that matched: in the prompt (input guard) or in the reply (guard stage). */
export interface GuardRecord {
  rule: string;
  action: GuardAction;
}

/** A sentence the moderator flagged, or a check that failed and let the text stand. */
export type ModerationRecord =
  | { action: 'block'; category: string | null }
  | { action: 'fail_open'; reason: 'timeout' | 'error' };

/** The structured stage's verdict on the reply and on each tool call it checked. */
export interface StructuredRecord {
  valid: boolean;
  stoppedEarly: boolean;
  errors: string[];
  /** `response_format` and the labels of the tool calls checked. */
  checked: string[];
  /** The model refused: no output to judge, which is not the same as invalid output. */
  refusal?: true;
}

/** By stage name, the entry that stage records. */
export interface StageRecordEntries {
  guard: GuardRecord;
  moderation: ModerationRecord;
  structured: StructuredRecord;
}

export type StageRecords = { [Stage in keyof StageRecordEntries]: StageRecordEntries[Stage][] };
