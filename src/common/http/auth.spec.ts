import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { parseConfig } from '../../config/app-config';
import { DomainError } from '../domain-error';
import { AdminOnly, AuthGuard } from './auth';

class Routes {
  user(): void {}
  @AdminOnly()
  admin(): void {}
}

function context(handler: () => void, peer: string, host: string): ExecutionContext {
  const request = { headers: { host, 'x-user-id': 'u1' }, socket: { remoteAddress: peer } };
  return {
    getHandler: () => handler,
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

async function outcome(guard: AuthGuard, ctx: ExecutionContext): Promise<string> {
  try {
    return String(await guard.canActivate(ctx));
  } catch (error) {
    return (error as DomainError).code;
  }
}

describe('AuthGuard in dev auth mode: the peer address', () => {
  const guard = new AuthGuard(new Reflector(), parseConfig({}));
  const routes = new Routes();

  it('admits user and admin calls from loopback peers (IPv4, IPv6, IPv4-mapped)', async () => {
    for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      await expect(outcome(guard, context(routes.user, peer, 'localhost:3000'))).resolves.toBe('true');
      await expect(outcome(guard, context(routes.admin, peer, '127.0.0.1'))).resolves.toBe('true');
    }
  });

  it('refuses a peer elsewhere even when the Host header names loopback', async () => {
    for (const peer of ['10.0.0.5', '::ffff:192.168.1.2', '2001:db8::1', '']) {
      await expect(outcome(guard, context(routes.user, peer, 'localhost'))).resolves.toBe('unauthorized');
      await expect(outcome(guard, context(routes.admin, peer, 'localhost'))).resolves.toBe('unauthorized');
    }
  });

  it('with ALLOW_INSECURE_DEV_AUTH on a loopback HOST still keeps admin calls without a token to loopback', async () => {
    const insecure = new AuthGuard(new Reflector(), parseConfig({ ALLOW_INSECURE_DEV_AUTH: 'true' }));
    await expect(outcome(insecure, context(routes.user, '10.0.0.5', 'genledger.example'))).resolves.toBe('true');
    await expect(outcome(insecure, context(routes.admin, '10.0.0.5', 'genledger.example'))).resolves.toBe(
      'unauthorized',
    );
  });
});
