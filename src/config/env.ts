/** Variables and secrets as the Worker receives them; read by name. */
export type EnvVars = Record<string, unknown>;

/** A variable's trimmed value; unset and blank are the same: absent. */
export function envString(env: EnvVars, name: string): string | undefined {
  const value = env[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** `GROQ`, `WORKERS_AI`: the prefix of a provider's `<PROVIDER>_API_KEY` / `<PROVIDER>_BASE_URL`. */
export function envPrefix(providerId: string): string {
  return providerId.toUpperCase().replace(/-/g, '_');
}

/** `<PROVIDER>_MODELS` (comma-separated) replaces a provider's built-in model list. */
export function modelList(env: EnvVars, providerId: string, defaults: readonly string[]): readonly string[] {
  const configured = envString(env, `${envPrefix(providerId)}_MODELS`);
  return configured
    ? configured
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean)
    : defaults;
}
