import { GenledgerClient } from '../../bench/support/genledger-client';
import { startAllFakes, type AllFakes } from '../fakes';
import { describePostgres } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import { providerChaos } from './support/chaos-scenario';

/** Short enough that a provider call slower than it can be waited for; retries as in production. */
const RESILIENCE = {
  attemptTimeoutMs: 700,
  retries: 2,
  baseDelayMs: 10,
  maxDelayMs: 50,
  maxRetryAfterMs: 2000,
  breakerThreshold: 5,
  halfOpenAfterMs: 300,
};

describePostgres(
  'provider chaos: errors, rate limits, timeouts, malformed bodies and dropped connections under load',
  () => {
    let fakes: AllFakes;
    let service: TestApp;

    beforeAll(async () => {
      fakes = await startAllFakes();
      service = await startTestApp({ env: { ...fakes.env }, providerResilience: RESILIENCE });
    }, 60_000);

    afterAll(async () => {
      await service?.close();
      await fakes?.close();
    });

    it('every failed request is uncharged, every success charged once for an image that downloads', async () => {
      const outcome = await providerChaos([new GenledgerClient(service.url)], fakes, {
        seed: 7,
        users: 8,
        requests: 120,
        wave: 30,
        timeoutFaultMs: 1500,
      });

      expect(outcome.problems).toEqual([]);
      expect(Object.keys(outcome.statuses).filter((status) => !['201', '502', '503'].includes(status))).toEqual([]);
      expect(
        Object.keys(outcome.codes).filter((code) => !['provider_failed', 'provider_unavailable'].includes(code)),
      ).toEqual([]);
      expect(outcome.succeeded).toBeGreaterThan(0);
      expect(outcome.failed).toBeGreaterThan(0);
    }, 300_000);
  },
);
