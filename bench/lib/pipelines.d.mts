export const PIPELINES: Record<'passthrough' | 'guard' | 'full', { pipeline: Record<string, unknown> } | undefined>;
