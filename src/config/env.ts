// Readers of one environment variable each: a bad value throws a ConfigError naming the variable.

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

export type Env = Record<string, string | undefined>;

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

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new ConfigError(name, `one of ${allowed.join(', ')}`, value);
  return value as T;
}

export function boolean(env: Env, name: string): boolean {
  const value = raw(env, name);
  if (value === undefined) return false;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(name, 'true or false', value);
}

export function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `a URL (${protocols.join(' or ')})`, redactUrl(value));
  }
  if (!protocols.includes(parsed.protocol))
    throw new ConfigError(name, `a URL (${protocols.join(' or ')})`, redactUrl(value));
  return value;
}

export function redactUrl(value: string): string {
  return value.replace(/\/\/[^@/]*@/, '//***@');
}

/** A secret of at least `minLength` characters; never echoed in the message. */
export function secret(env: Env, name: string, minLength: number, expected: string): string | undefined {
  const value = raw(env, name);
  if (value !== undefined && value.length < minLength) throw new ConfigError(name, expected, '<redacted>');
  return value;
}
