import { isLoopbackHost } from '../common/loopback';
import { ConfigError, boolean, integer, raw, secret, url, type Env } from './env';

export type AuthConfig =
  | { readonly mode: 'dev'; readonly allowInsecure: boolean }
  | {
      readonly mode: 'jwt';
      readonly secret: string | undefined;
      readonly jwksUrl: string | undefined;
      readonly issuer: string | undefined;
      readonly audience: string | undefined;
      /** The longest lifetime (`exp` - `iat`, or `exp` - now without `iat`) a token may claim. */
      readonly maxAgeSeconds: number;
    };

export interface AccessConfig {
  readonly auth: AuthConfig;
  readonly adminToken: string | undefined;
  /** When set, `/metrics` answers only `Authorization: Bearer <METRICS_TOKEN>`. */
  readonly metricsToken: string | undefined;
}

/**
 * Who may call: JWT (HS256 secret or JWKS) or dev auth, the admin and metrics tokens. A JWKS is
 * usually an identity provider shared with other applications, so its tokens are accepted only
 * for this issuer and audience; dev auth off loopback never leaves admin calls open.
 */
export function parseAccess(env: Env, bindHost: string): AccessConfig {
  const jwtSecret = secret(env, 'AUTH_JWT_SECRET', 32, 'at least 32 characters (HS256 key)');
  const jwksUrl = url(env, 'AUTH_JWKS_URL', ['http:', 'https:']);
  const allowInsecure = boolean(env, 'ALLOW_INSECURE_DEV_AUTH');
  const maxAgeSeconds = integer(env, 'AUTH_JWT_MAX_AGE_SECONDS', 86_400, 60, 31_536_000);
  const issuer = raw(env, 'AUTH_JWT_ISSUER');
  const audience = raw(env, 'AUTH_JWT_AUDIENCE');
  if (jwksUrl !== undefined && (issuer === undefined || audience === undefined)) {
    const missing = [issuer === undefined ? 'AUTH_JWT_ISSUER' : '', audience === undefined ? 'AUTH_JWT_AUDIENCE' : '']
      .filter(Boolean)
      .join(' and ');
    throw new ConfigError(
      missing,
      'set with AUTH_JWKS_URL (a shared identity provider also issues tokens for other applications)',
      undefined,
    );
  }
  const auth: AuthConfig =
    jwtSecret !== undefined || jwksUrl !== undefined
      ? { mode: 'jwt', secret: jwtSecret, jwksUrl, issuer, audience, maxAgeSeconds }
      : { mode: 'dev', allowInsecure };
  const adminToken = secret(env, 'ADMIN_TOKEN', 16, 'at least 16 characters');
  if (auth.mode === 'dev' && !isLoopbackHost(bindHost)) {
    if (!allowInsecure) {
      throw new ConfigError(
        'HOST',
        'a loopback address in dev auth mode (set AUTH_JWT_SECRET or AUTH_JWKS_URL, or ALLOW_INSECURE_DEV_AUTH=true)',
        bindHost,
      );
    }
    if (adminToken === undefined) {
      throw new ConfigError(
        'ADMIN_TOKEN',
        `set when dev auth listens on a non-loopback HOST (${bindHost}); otherwise admin calls are open to the network`,
        undefined,
      );
    }
  }
  const metricsToken = secret(env, 'METRICS_TOKEN', 16, 'at least 16 characters');
  return { auth, adminToken, metricsToken };
}
