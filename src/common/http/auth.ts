import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DomainError } from '../domain-error';
import { hostOfHeader, isLoopbackHost } from '../loopback';

/** 1-128 characters of [A-Za-z0-9._:@-], not dots alone (URLs cannot name `.` or `..`). */
export const USER_ID_PATTERN = /^(?!\.+$)[A-Za-z0-9._:@-]{1,128}$/;

type Access = 'public' | 'user' | 'admin' | 'metrics';

/** Leeway for clocks that disagree a little, applied to `exp`, `nbf` and `iat`. */
export const JWT_CLOCK_TOLERANCE_SECONDS = 30;
const ACCESS = 'genledger:access';

/** No credentials needed (health, docs, dashboard page, media). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS, 'public');
/** `Authorization: Bearer <ADMIN_TOKEN>` (or dev mode without an admin token). */
export const AdminOnly = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS, 'admin');
/** `Authorization: Bearer <METRICS_TOKEN>` when that is set; public otherwise. */
export const MetricsAccess = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS, 'metrics');

interface AuthenticatedRequest extends FastifyRequest {
  userId?: string;
  actor?: string;
}

/** The calling user's id, as established by the AuthGuard (never from the body or query). */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.userId) throw new DomainError('unauthorized', 'No authenticated user');
  return request.userId;
});

/** Who acts, for event metadata: `user:<id>` or `admin`. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().actor ?? 'anonymous';
});

/** API.md "Who is calling": JWT bearer or dev `X-User-Id` for users, the admin token for admins. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly jwks: JWTVerifyGetKey | undefined;
  private readonly secret: Uint8Array | undefined;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    if (config.auth.mode === 'jwt') {
      this.secret = config.auth.secret ? new TextEncoder().encode(config.auth.secret) : undefined;
      this.jwks = config.auth.jwksUrl ? createRemoteJWKSet(new URL(config.auth.jwksUrl)) : undefined;
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access =
      this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ??
      'user';
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (access === 'metrics') {
      if (this.config.metricsToken) checkToken(request, this.config.metricsToken, 'Metrics');
      return true;
    }
    if (access === 'admin') {
      this.checkAdmin(request);
      request.actor = 'admin';
      return true;
    }
    request.userId = await this.authenticateUser(request);
    request.actor = `user:${request.userId}`;
    return true;
  }

  private checkAdmin(request: FastifyRequest): void {
    if (this.config.adminToken) return checkToken(request, this.config.adminToken, 'Admin');
    if (this.config.auth.mode !== 'dev')
      throw new DomainError('forbidden', 'Admin calls are disabled: ADMIN_TOKEN is not configured');
    // Without a token, admin calls are open to this machine alone (start-up refuses a network HOST).
    requireLoopback(request);
  }

  private async authenticateUser(request: FastifyRequest): Promise<string> {
    if (this.config.auth.mode === 'dev') {
      if (!this.config.auth.allowInsecure) requireLoopback(request);
      const header = request.headers['x-user-id'];
      const userId = Array.isArray(header) ? header[0] : header;
      if (!userId) throw new DomainError('unauthorized', 'Dev auth mode: send the user id in the X-User-Id header');
      if (!USER_ID_PATTERN.test(userId)) {
        throw new DomainError('validation_failed', 'X-User-Id must be 1-128 characters of [A-Za-z0-9._:@-]', {
          errors: [{ field: 'X-User-Id', message: 'must be 1-128 characters of [A-Za-z0-9._:@-]' }],
        });
      }
      return userId;
    }
    const token = bearer(request);
    if (!token) throw new DomainError('unauthorized', 'Send Authorization: Bearer <JWT>');
    const { issuer, audience, maxAgeSeconds } = this.config.auth;
    try {
      const options = {
        issuer,
        audience,
        algorithms: this.secret ? ['HS256'] : undefined,
        requiredClaims: ['exp'],
        clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
      };
      const { payload } = this.secret
        ? await jwtVerify(token, this.secret, options)
        : await jwtVerify(token, this.jwks as JWTVerifyGetKey, options);
      checkLifetime(payload, maxAgeSeconds);
      if (typeof payload.sub !== 'string' || !USER_ID_PATTERN.test(payload.sub)) {
        throw new DomainError('unauthorized', 'The token subject is not a valid user id');
      }
      return payload.sub;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError('unauthorized', `Invalid token: ${tokenProblem(error)}`);
    }
  }
}

/**
 * A token valid for longer than the configured age is refused whatever signed it: a stolen one
 * must not work for months. Measured from `iat` (refused when in the future), else from now.
 */
function checkLifetime(payload: JWTPayload, maxAgeSeconds: number): void {
  const now = Math.floor(Date.now() / 1000);
  const issuedAt = typeof payload.iat === 'number' ? payload.iat : now;
  if (issuedAt > now + JWT_CLOCK_TOLERANCE_SECONDS) {
    throw new DomainError('unauthorized', 'Invalid token: issued in the future (iat)');
  }
  if ((payload.exp as number) - Math.min(issuedAt, now) > maxAgeSeconds + JWT_CLOCK_TOLERANCE_SECONDS) {
    throw new DomainError('unauthorized', `Invalid token: lifetime beyond ${maxAgeSeconds} s (exp)`);
  }
}

/**
 * Dev auth trusts a header, so the request must come from this machine and name it: a peer
 * elsewhere, or a `Host` of another name (a reverse proxy, DNS rebinding from a browser), is refused.
 */
function requireLoopback(request: FastifyRequest): void {
  const peer = request.socket?.remoteAddress ?? '';
  const host = hostOfHeader(request.headers.host ?? '');
  if (!isLoopbackHost(peer) || host === undefined || !isLoopbackHost(host)) {
    throw new DomainError('unauthorized', 'Dev auth answers loopback requests to a loopback Host only');
  }
}

function checkToken(request: FastifyRequest, expected: string, who: 'Admin' | 'Metrics'): void {
  const token = bearer(request);
  if (token === undefined)
    throw new DomainError('unauthorized', `${who} calls need Authorization: Bearer <${who.toLowerCase()} token>`);
  if (!safeEqual(token, expected))
    throw new DomainError('forbidden', `This token may not make ${who.toLowerCase()} calls`);
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** jose's error codes say what was wrong without echoing the token. */
function tokenProblem(error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'ERR_JWT_EXPIRED') return 'expired';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && (error as { claim?: string }).claim === 'nbf')
    return 'not valid yet (nbf)';
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'signature does not verify';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED')
    return `claim check failed (${(error as { claim?: string }).claim ?? 'claim'})`;
  if (code.startsWith('ERR_JW')) return 'malformed or unverifiable';
  return 'could not be verified';
}
