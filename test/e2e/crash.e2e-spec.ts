import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAllFakes } from '../fakes';
import { createTestDatabase, describePostgres } from '../support/test-database';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describePostgres('a process killed between reservation and capture', () => {
  it('charges nobody: the job releases the reservation and closes the generation as failed', async () => {
    const fakes = await startAllFakes();
    const databaseUrl = await createTestDatabase('crash');
    const env = {
      ...fakes.env,
      DATABASE_URL: databaseUrl,
      // As short as configuration allows with time for the provider call to be under way.
      RESERVATION_TIMEOUT_SECONDS: '20',
      PROVIDER_DEADLINE_SECONDS: '5',
      JOB_INTERVAL_SECONDS: '1',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'genledger-crash-')),
    };
    let first: ServiceProcess | undefined;
    let second: ServiceProcess | undefined;
    try {
      first = await startServiceProcess(env);
      const credits = async (url: string) =>
        (await (await fetch(`${url}/v1/credits`, { headers: { 'x-user-id': 'victim' } })).json()) as any;
      fakes.openai.setLatency(30_000);
      const inFlight = fetch(`${first.url}/v1/generations`, {
        method: 'POST',
        headers: { 'x-user-id': 'victim', 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'never finished' }),
      }).catch(() => 'connection lost');
      const url = first.url;
      // Killed once the generation is recorded as requested: a process that dies between its
      // reservation and that record leaves no generation to close (the job still releases it).
      const pending = async () =>
        ((await (await fetch(`${url}/v1/generations`, { headers: { 'x-user-id': 'victim' } })).json()) as any).items
          .length === 1;
      await until(
        async () => ((await credits(url)).freeRemainingToday === 2 && (await pending()) ? true : undefined),
        10_000,
        'the reservation and the requested generation',
      );
      await first.kill('SIGKILL');
      expect(await inFlight).toBe('connection lost');

      fakes.openai.setLatency(0);
      second = await startServiceProcess(env);
      const secondUrl = second.url;
      await until(
        async () => ((await credits(secondUrl)).freeRemainingToday === 3 ? true : undefined),
        40_000,
        'the release',
      );
      const events = ((await (await fetch(`${secondUrl}/v1/admin/users/victim/events`)).json()) as any)
        .events as Array<{ type: string; data: any }>;
      const types = events.map((e) => e.type);
      expect(types).toContain('ReservationReleased');
      expect(types).not.toContain('ReservationCaptured');
      expect(events.find((e) => e.type === 'ReservationReleased')?.data.reason).toBe('expired');
      await until(
        async () => {
          const latest = ((await (await fetch(`${secondUrl}/v1/admin/users/victim/events`)).json()) as any)
            .events as Array<{ type: string; data: any }>;
          return latest.some((e) => e.type === 'GenerationFailed' && e.data.code === 'reservation_expired')
            ? true
            : undefined;
        },
        10_000,
        'GenerationFailed',
      );
      const list = (await (
        await fetch(`${secondUrl}/v1/generations`, { headers: { 'x-user-id': 'victim' } })
      ).json()) as any;
      expect(list.items.map((g: { status: string }) => g.status)).toEqual(['failed']);
    } finally {
      await first?.kill('SIGKILL');
      await second?.kill();
      await fakes.close();
    }
  }, 120_000);
});
