import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { startTestApp, type TestApp } from '../../../test/support/test-app';
import { EventStore } from '../../event-store/event-store';
import type { Reservation } from '../../billing/reservation';
import { ReserveCredits } from '../../billing/reserve-credits/reserve-credits.command';
import { ReleaseReservation } from '../../billing/settle-reservation/settle-reservation.commands';
import { GetCreditStatus } from '../../billing/read-models/account-balances/get-credit-status.query';
import { GetBudget } from '../../billing/read-models/budget-months/get-budget.query';
import { ExpiryListeners } from '../../billing/expire-reservations/expiry-listeners';
import { generationStreamId } from '../domain/generation-events';
import { GetGeneration } from '../read-models/generations/generations.queries';
import { GenerationOutcomes, type Delivered } from './generation-outcomes';

const COST = 3_000;

/**
 * The outcome of a provider call that returns after its reservation expired: the expiry job
 * released it (and may have closed the generation as failed) while the provider worked.
 */
describe('generation outcomes against the expiry job', () => {
  let t: TestApp;
  let outcomes: GenerationOutcomes;
  let commandBus: CommandBus;
  let queryBus: QueryBus;
  beforeAll(async () => {
    t = await startTestApp();
    outcomes = t.app.get(GenerationOutcomes);
    commandBus = t.app.get(CommandBus);
    queryBus = t.app.get(QueryBus);
  });
  afterAll(async () => t.close());

  async function requested(userId: string, generationId: string): Promise<Reservation> {
    const metadata = { userId, correlationId: generationId };
    const reservation = await commandBus.execute(
      new ReserveCredits({
        userId,
        requestedTier: 'standard',
        premiumPriceMicros: 80_000,
        standardPriceMicros: COST,
        generationId,
        metadata,
      }),
    );
    await outcomes.request(
      {
        generationId,
        userId,
        prompt: 'a lighthouse at dawn',
        aspectRatio: '1:1',
        style: null,
        quality: 'standard',
        requestedTier: 'standard',
        cacheKey: `key-${generationId}`,
        tier: reservation.tier,
        downgraded: reservation.downgraded,
        reservationId: reservation.reservationId,
        charge: reservation.charge,
        reservedPriceMicros: reservation.priceMicros,
        requestedAt: new Date().toISOString(),
      },
      metadata,
    );
    return reservation;
  }

  function delivered(userId: string, generationId: string): Delivered {
    return {
      generationId,
      userId,
      provider: 'local',
      model: 'local-standard',
      tier: 'standard',
      fellBack: false,
      cacheKey: `key-${generationId}`,
      image: { url: `https://media.example/${generationId}.png`, width: 1024, height: 1024, mimeType: 'image/png' },
      costMicros: COST,
      providerRequestId: `req-${generationId}`,
      completedAt: new Date().toISOString(),
      attempts: [
        {
          provider: 'local',
          model: 'local-standard',
          tier: 'standard',
          attempt: 1,
          priceMicros: COST,
          outcome: 'billed',
          costMicros: COST,
          requestId: `req-${generationId}`,
        },
      ],
    };
  }
  const spent = { billedMicros: COST, unknownMicros: 0 };

  const history = async (generationId: string) =>
    (await t.app.get(EventStore).readStream(generationStreamId(generationId))).map((event) => ({
      type: event.type,
      charge: (event.data as { charge?: string }).charge,
      code: (event.data as { code?: string }).code,
    }));
  const spend = async () => (await queryBus.execute(new GetBudget(undefined, true))).view.spendMicros;
  const freeLeft = async (userId: string) => (await queryBus.execute(new GetCreditStatus(userId))).freeRemainingToday;

  it('captures a reservation still open: the free unit is spent, the cost counted', async () => {
    const before = await spend();
    const reservation = await requested('on-time', 'gen_on_time');
    const { row, balance } = await outcomes.complete(reservation, delivered('on-time', 'gen_on_time'), spent, {
      userId: 'on-time',
    });
    expect(row).toMatchObject({ id: 'gen_on_time', status: 'succeeded', charge: 'free' });
    // The capture's own statement answers with the balance it left.
    expect(balance).toMatchObject({ free_used: 1, paid_reserved: 0 });
    expect(await history('gen_on_time')).toEqual([
      { type: 'GenerationRequested', charge: 'free', code: undefined },
      { type: 'GenerationSucceeded', charge: 'free', code: undefined },
    ]);
    expect(await freeLeft('on-time')).toBe(2);
    expect((await spend()) - before).toBe(COST);
  });

  it('completes for nothing when the reservation was released before the generation was closed', async () => {
    const before = await spend();
    const reservation = await requested('released', 'gen_released');
    await commandBus.execute(new ReleaseReservation(reservation, { actor: 'job:expire-reservations' }));
    const { row, balance } = await outcomes.complete(reservation, delivered('released', 'gen_released'), spent, {
      userId: 'released',
    });
    expect(row).toMatchObject({ status: 'succeeded', charge: 'none' });
    expect(balance).toBeUndefined();
    expect(await history('gen_released')).toEqual([
      { type: 'GenerationRequested', charge: 'free', code: undefined },
      { type: 'GenerationSucceeded', charge: 'none', code: undefined },
    ]);
    expect(await freeLeft('released')).toBe(3);
    expect((await spend()) - before).toBe(COST);
  });

  it('a late image of a reservation released with its hold as unknown moves that hold to billed, counted once', async () => {
    const budget = async () => (await queryBus.execute(new GetBudget(undefined, true))).view;
    const before = await budget();
    const reservation = await requested('held-late', 'gen_held_late');
    // As the expiry job records it: the whole hold (price and a raise) is unknown spend.
    const held = reservation.priceMicros + 80_000;
    await commandBus.execute(
      new ReleaseReservation(reservation, { actor: 'job:expire-reservations' }, undefined, {
        billedMicros: 0,
        unknownMicros: held,
      }),
    );
    expect((await budget()).unknownMicros - before.unknownMicros).toBe(held);
    // The image arrives: one call billed, one of unknown outcome (80_000) still unknown.
    await outcomes.complete(
      reservation,
      delivered('held-late', 'gen_held_late'),
      { billedMicros: COST, unknownMicros: 80_000, heldMicros: held },
      { userId: 'held-late' },
    );
    const after = await budget();
    expect(after.spendMicros - before.spendMicros).toBe(COST);
    expect(after.unknownMicros - before.unknownMicros).toBe(80_000);
  });

  it('completes for nothing a generation the expiry job already closed as failed', async () => {
    const before = await spend();
    const reservation = await requested('closed', 'gen_closed');
    await commandBus.execute(new ReleaseReservation(reservation, { actor: 'job:expire-reservations' }));
    await t.app.get(ExpiryListeners).notify([{ ...reservation, generationId: 'gen_closed' }]);
    const { row, balance } = await outcomes.complete(reservation, delivered('closed', 'gen_closed'), spent, {
      userId: 'closed',
    });
    expect(row).toMatchObject({ status: 'succeeded', charge: 'none', error: null });
    expect(balance).toBeUndefined();
    expect(await history('gen_closed')).toEqual([
      { type: 'GenerationRequested', charge: 'free', code: undefined },
      { type: 'GenerationFailed', charge: undefined, code: 'reservation_expired' },
      { type: 'GenerationSucceeded', charge: 'none', code: undefined },
    ]);
    expect(await freeLeft('closed')).toBe(3);
    expect((await spend()) - before).toBe(COST);
  });

  it('the expiry job leaves a finished generation as it is', async () => {
    const reservation = await requested('finished', 'gen_finished');
    await outcomes.complete(reservation, delivered('finished', 'gen_finished'), spent, { userId: 'finished' });
    await t.app.get(ExpiryListeners).notify([{ ...reservation, generationId: 'gen_finished' }]);
    expect((await history('gen_finished')).map((event) => event.type)).toEqual([
      'GenerationRequested',
      'GenerationSucceeded',
    ]);
    expect(await queryBus.execute(new GetGeneration('gen_finished', 'finished'))).toMatchObject({
      status: 'succeeded',
      charge: 'free',
    });
  });

  it('a failure releases the reservation; failing again changes nothing', async () => {
    const reservation = await requested('failing', 'gen_failing');
    const failure = {
      generationId: 'gen_failing',
      userId: 'failing',
      code: 'provider_failed',
      message: 'the provider refused',
      provider: null,
      failedAt: new Date().toISOString(),
    };
    const nothing = { billedMicros: 0, unknownMicros: 0 };
    await outcomes.fail(reservation, failure, nothing, { userId: 'failing' });
    await outcomes.fail(reservation, failure, nothing, { userId: 'failing' });
    expect(await history('gen_failing')).toEqual([
      { type: 'GenerationRequested', charge: 'free', code: undefined },
      { type: 'GenerationFailed', charge: undefined, code: 'provider_failed' },
    ]);
    expect(await freeLeft('failing')).toBe(3);
  });
  it('captures what every billed call cost, a call billed before the one that served included', async () => {
    const before = await spend();
    const reservation = await requested('twice-billed', 'gen_twice_billed');
    const sent = delivered('twice-billed', 'gen_twice_billed');
    const first = { ...sent.attempts[0]!, attempt: 1, requestId: 'req-broken-body' };
    const attempts = [first, { ...sent.attempts[0]!, attempt: 2 }];
    await outcomes.complete(
      reservation,
      { ...sent, attempts },
      { billedMicros: 2 * COST, unknownMicros: 0 },
      {
        userId: 'twice-billed',
      },
    );
    expect((await spend()) - before).toBe(2 * COST);
    const [, success] = await t.app.get(EventStore).readStream(generationStreamId('gen_twice_billed'));
    expect((success!.data as { attempts: unknown }).attempts).toEqual(attempts);
  });

  it('a failure whose reservation the expiry job released still counts what the provider billed', async () => {
    const before = await spend();
    const reservation = await requested('stored-late', 'gen_stored_late');
    await commandBus.execute(new ReleaseReservation(reservation, { actor: 'job:expire-reservations' }));
    await t.app.get(ExpiryListeners).notify([{ ...reservation, generationId: 'gen_stored_late' }]);
    const failure = {
      generationId: 'gen_stored_late',
      userId: 'stored-late',
      code: 'provider_failed',
      message: 'The image was generated but could not be stored; nothing was charged',
      provider: null,
      failedAt: new Date().toISOString(),
      attempts: delivered('stored-late', 'gen_stored_late').attempts,
    };
    await outcomes.fail(reservation, failure, spent, { userId: 'stored-late' });
    expect((await spend()) - before).toBe(COST);
    expect(await freeLeft('stored-late')).toBe(3);
  });
});
