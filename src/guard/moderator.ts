export interface ModerationVerdict {
  flagged: boolean;
  /** The first category the moderator flagged, when it names one. */
  category?: string;
}

/** Judges a piece of generated text; the moderation stage calls it once per sentence, in parallel. */
export interface Moderator {
  check(text: string, signal?: AbortSignal): Promise<ModerationVerdict>;
}
