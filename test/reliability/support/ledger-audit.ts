import type { GenledgerClient, LedgerEvent } from '../../../bench/support/genledger-client';

/** One user's money as their events tell it, rebuilt independently of the service's read models. */
export interface UserLedger {
  readonly userId: string;
  readonly grantedCredits: number;
  readonly reservations: ReadonlyMap<string, ReservationTrail>;
  readonly generations: ReadonlyMap<string, GenerationTrail>;
}

export interface ReservationTrail {
  readonly kind: 'free' | 'paid';
  readonly credits: number;
  readonly day: string;
  readonly generationId: string | null;
  captures: number;
  releases: string[];
}

export interface GenerationTrail {
  prompt?: string;
  succeeded: number;
  failed: number;
  cached: boolean;
  charge?: string;
  imageUrl?: string;
}

export function readLedger(userId: string, events: readonly LedgerEvent[]): UserLedger {
  const reservations = new Map<string, ReservationTrail>();
  const generations = new Map<string, GenerationTrail>();
  const generation = (id: string): GenerationTrail => {
    let trail = generations.get(id);
    if (!trail) generations.set(id, (trail = { succeeded: 0, failed: 0, cached: false }));
    return trail;
  };
  let grantedCredits = 0;
  for (const { type, data, streamId } of events) {
    if (!streamId.startsWith('account-') && !streamId.startsWith('generation')) continue;
    switch (type) {
      case 'CreditsGranted':
        grantedCredits += data.credits;
        break;
      case 'CreditsReserved':
        reservations.set(data.reservationId, {
          kind: data.kind,
          credits: data.credits,
          day: data.day,
          generationId: data.generationId,
          captures: 0,
          releases: [],
        });
        break;
      case 'ReservationCaptured':
        trail(reservations, data.reservationId).captures += 1;
        break;
      case 'ReservationReleased':
        trail(reservations, data.reservationId).releases.push(data.reason);
        break;
      case 'GenerationRequested':
        generation(data.generationId).prompt = data.prompt;
        break;
      case 'CacheHit':
        Object.assign(generation(data.generationId), { prompt: data.prompt, cached: true, imageUrl: data.image?.url });
        break;
      case 'GenerationSucceeded': {
        const trailOf = generation(data.generationId);
        trailOf.succeeded += 1;
        trailOf.charge = data.charge;
        trailOf.imageUrl = data.image?.url;
        break;
      }
      case 'GenerationFailed':
        generation(data.generationId).failed += 1;
        break;
    }
  }
  return { userId, grantedCredits, reservations, generations };
}

function trail(reservations: Map<string, ReservationTrail>, id: string): ReservationTrail {
  const found = reservations.get(id);
  if (!found) throw new Error(`settlement of unknown reservation ${id}`);
  return found;
}

export interface AuditOptions {
  readonly freeDailyQuota: number;
  /** After the expiry job: nothing may still be reserved. */
  readonly expectAllSettled: boolean;
  /** Every request used its own prompt, so no prompt may be charged twice. */
  readonly uniquePrompts: boolean;
}

/**
 * What must hold whatever happened (crashes, outages, provider chaos, concurrency): each
 * reservation settled at most once, every capture backed by a succeeded generation, no prompt
 * charged twice, and the balance the API reports equal to the events' sum and never negative.
 * Returns the violations as sentences, so a failing test says what went wrong.
 */
export function auditLedger(ledger: UserLedger, status: Record<string, any>, options: AuditOptions): string[] {
  const problems: string[] = [];
  const who = ledger.userId;
  let capturedPaid = 0;
  let openPaid = 0;
  let usedFreeToday = 0;
  const today = new Date(new Date(status.quotaResetsAt).getTime() - 86_400_000).toISOString().slice(0, 10);
  const chargedPrompts = new Map<string, number>();
  for (const [id, reservation] of ledger.reservations) {
    const settlements = reservation.captures + reservation.releases.length;
    if (settlements > 1)
      problems.push(
        `${who}: reservation ${id} settled ${settlements} times (${reservation.captures} captures, releases ${reservation.releases.join(', ')})`,
      );
    if (settlements === 0 && options.expectAllSettled) problems.push(`${who}: reservation ${id} is still open`);
    const open = settlements === 0;
    if (reservation.kind === 'paid') {
      if (reservation.captures > 0) capturedPaid += reservation.credits;
      if (open) openPaid += reservation.credits;
    } else if (reservation.day === today && (open || reservation.captures > 0)) {
      usedFreeToday += 1;
    }
    if (reservation.captures === 0) continue;
    const generation = reservation.generationId ? ledger.generations.get(reservation.generationId) : undefined;
    if (!generation || generation.succeeded !== 1) {
      problems.push(
        `${who}: reservation ${id} captured but generation ${reservation.generationId} has ${generation?.succeeded ?? 0} GenerationSucceeded`,
      );
    }
    if (generation?.prompt !== undefined)
      chargedPrompts.set(generation.prompt, (chargedPrompts.get(generation.prompt) ?? 0) + 1);
  }
  if (options.uniquePrompts) {
    for (const [prompt, charges] of chargedPrompts)
      if (charges > 1) problems.push(`${who}: "${prompt}" charged ${charges} times`);
  }
  const expectedPaid = ledger.grantedCredits - capturedPaid - openPaid;
  if (status.paidCredits !== expectedPaid)
    problems.push(`${who}: paidCredits ${status.paidCredits}, events say ${expectedPaid}`);
  if (status.reservedCredits !== openPaid)
    problems.push(`${who}: reservedCredits ${status.reservedCredits}, events say ${openPaid}`);
  if (status.paidCredits < 0 || status.reservedCredits < 0)
    problems.push(`${who}: negative balance ${JSON.stringify(status)}`);
  const expectedFree = Math.max(0, options.freeDailyQuota - usedFreeToday);
  if (status.freeRemainingToday !== expectedFree)
    problems.push(`${who}: freeRemainingToday ${status.freeRemainingToday}, events say ${expectedFree}`);
  return problems;
}

/** Charged (free or paid) generations: what the user was actually billed for. */
export function chargedGenerations(ledger: UserLedger): GenerationTrail[] {
  return [...ledger.generations.values()].filter(
    (g) => g.succeeded === 1 && (g.charge === 'free' || g.charge === 'paid'),
  );
}

export async function auditUsers(
  client: GenledgerClient,
  users: readonly string[],
  options: AuditOptions,
): Promise<{ ledgers: UserLedger[]; problems: string[] }> {
  const ledgers: UserLedger[] = [];
  const problems: string[] = [];
  for (const user of users) {
    const ledger = readLedger(user, await client.events(user));
    ledgers.push(ledger);
    problems.push(...auditLedger(ledger, await client.credits(user), options));
  }
  return { ledgers, problems };
}

/** Every image a user was given must still be downloadable (re-hosted, not a provider's expiring URL). */
export async function unreachableImages(ledgers: readonly UserLedger[]): Promise<string[]> {
  const urls = ledgers.flatMap((ledger) =>
    [...ledger.generations.values()].filter((g) => g.succeeded === 1).map((g) => g.imageUrl ?? 'missing'),
  );
  const problems: string[] = [];
  for (const url of new Set(urls)) {
    const response = await fetch(url).catch((error: Error) => ({ status: `error ${error.message}` }));
    if (response.status !== 200) problems.push(`image ${url}: ${response.status}`);
  }
  return problems;
}
