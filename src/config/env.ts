/** Reading one environment variable at a time, for the config parsers of this folder. */
export type Env = Record<string, string | undefined>;

/** Thrown for a bad environment; the message names the variable and what it expects. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    expected: string,
    received: string | undefined,
  ) {
    super(`Invalid configuration: ${variable} must be ${expected} (got ${JSON.stringify(received)})`);
    this.name = 'ConfigError';
  }
}

export function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `an integer from ${min} to ${max}`, value);
  const parsed = Number(value);
  if (parsed < min || parsed > max) throw new ConfigError(name, `an integer from ${min} to ${max}`, value);
  return parsed;
}
