import type { PlannedAttempt, ProviderAttempt } from '../../providers/domain/provider-call';
import { CallHold } from './call-hold';
import type { GenerationOutcomes } from './generation-outcomes';

const PRICE = 40_000;
const planned = (attempt: number): PlannedAttempt => ({
  provider: 'openai',
  model: 'dall-e-3',
  tier: 'premium',
  attempt,
  priceMicros: PRICE,
});
const unknown = (attempt: number): ProviderAttempt => ({
  ...planned(attempt),
  outcome: 'unknown',
  error: { code: 'timeout', message: 'cut off' },
});

describe('CallHold', () => {
  it('raises the hold by what the earlier calls may have used, and runs one hook at a time', async () => {
    const started: Array<{ attempt: number; heldMicros: number; addedMicros: number }> = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const outcomes = {
      startCall: async (_reservation: unknown, data: { attempt: number; heldMicros: number }, addedMicros: number) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        started.push({ attempt: data.attempt, heldMicros: data.heldMicros, addedMicros });
        inFlight -= 1;
      },
    } as unknown as GenerationOutcomes;
    const reservation = { reservationId: 'res_1', userId: 'u1', month: '2026-12', priceMicros: PRICE };
    const hold = new CallHold(outcomes, reservation, 'gen_1', {}, () => new Date('2026-12-02T00:00:00Z'));

    // The first call fits the reservation's price: nothing recorded, nothing raised.
    await hold.beforeAttempt(planned(1), []);
    expect(started).toEqual([]);
    // An attempt's timeout left its hook running while the retry's hook began.
    await Promise.all([
      hold.beforeAttempt(planned(2), [unknown(1)]),
      hold.beforeAttempt(planned(3), [unknown(1), unknown(2)]),
    ]);
    expect(mostInFlight).toBe(1);
    expect(started).toEqual([
      { attempt: 2, heldMicros: 2 * PRICE, addedMicros: PRICE },
      { attempt: 3, heldMicros: 3 * PRICE, addedMicros: PRICE },
    ]);
    expect(hold.heldMicros).toBe(3 * PRICE);
  });

  it('a refused hook does not hold up the next one', async () => {
    let calls = 0;
    const outcomes = {
      startCall: async () => {
        calls += 1;
        if (calls === 1) throw new Error('refused');
      },
    } as unknown as GenerationOutcomes;
    const hold = new CallHold(
      outcomes,
      { reservationId: 'res_2', userId: 'u1', month: '2026-12', priceMicros: PRICE },
      'gen_2',
      {},
      () => new Date(),
    );
    await expect(hold.beforeAttempt(planned(2), [unknown(1)])).rejects.toThrow('refused');
    expect(hold.heldMicros).toBe(PRICE);
    await expect(hold.beforeAttempt(planned(2), [unknown(1)])).resolves.toBeUndefined();
    expect(hold.heldMicros).toBe(2 * PRICE);
  });
});
