import type { OpenAIImageModel } from '../../config/app-config';
import type { EventStore } from '../../event-store/event-store';
import type { RecordedEvent } from '../../event-store/event-types';
import type { TierDowngraded } from '../../billing/domain/budget';
import {
  generationStreamId,
  type CacheHit,
  type GenerationRequested,
  type GenerationSucceeded,
} from '../../generation/domain/generation-events';
import { monthRange, rangeInstants } from '../../common/utc-time';
import type { UsageItem } from '../domain/cost-report';
import type { Recorded } from '../projections/recorded';

const TYPES = ['GenerationRequested', 'GenerationSucceeded', 'CacheHit', 'TierDowngraded'];
const BATCH = 5000;

type ReportEvent = GenerationRequested | GenerationSucceeded | CacheHit | TierDowngraded;

export interface MonthUsage {
  readonly month: string;
  /** Events read for the month (requests, successes, cache hits, downgrades). */
  readonly events: number;
  /** Successes and cache hits recorded in the month, in the order they happened. */
  readonly items: readonly UsageItem[];
  /** The month's first downgrade by the soft cap. */
  readonly downgradedAt: string | null;
  /** The models that served each tier this month, so re-pricing uses their list prices. */
  readonly premiumModel: OpenAIImageModel;
  readonly standardModel: string;
}

/**
 * Reads a UTC month's usage from the events, by `recorded_at` as the projections count it. The
 * read starts at the month's first relevant event in commit order and filters by time, since
 * commit order and clock order may differ slightly.
 */
export async function readMonthUsage(store: EventStore, month: string): Promise<MonthUsage> {
  const { start, end } = rangeInstants(monthRange(month));
  const [first] = await store.database.query<{ transaction_id: string; global_position: number }>(
    `SELECT transaction_id::text AS transaction_id, global_position FROM events
      WHERE type = ANY($1::text[]) AND recorded_at >= $2 AND recorded_at < $3
      ORDER BY transaction_id, global_position LIMIT 1`,
    [TYPES, start.toISOString(), end.toISOString()],
  );
  const events: Array<Recorded<ReportEvent>> = [];
  if (first) {
    let after = { transactionId: first.transaction_id, globalPosition: Number(first.global_position) - 1 };
    for (;;) {
      const batch = await store.readAll({ after, limit: BATCH, types: TYPES });
      for (const event of batch)
        if (event.recordedAt >= start && event.recordedAt < end) events.push(event as Recorded<ReportEvent>);
      if (batch.length < BATCH) break;
      after = batch[batch.length - 1];
    }
  }
  events.sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime() || a.globalPosition - b.globalPosition);

  const requests = new Map<string, GenerationRequested['data']>();
  for (const event of events)
    if (event.type === 'GenerationRequested') requests.set(event.data.generationId, event.data);
  await addEarlierRequests(store, events, requests);

  const items: UsageItem[] = [];
  let downgradedAt: string | null = null;
  let premiumModel: OpenAIImageModel = 'dall-e-3';
  let standardModel = 'fal-ai/flux/schnell';
  for (const event of events) {
    const at = event.recordedAt.toISOString();
    if (event.type === 'TierDowngraded') {
      if (event.streamId === `budget-${month}`) downgradedAt ??= event.data.at;
    } else if (event.type === 'GenerationSucceeded') {
      const { generationId, tier, provider, model, costMicros, fellBack } = event.data;
      const request = requests.get(generationId);
      if (!request) throw new Error(`GenerationSucceeded ${generationId} has no GenerationRequested`);
      if (provider === 'openai') premiumModel = model as OpenAIImageModel;
      if (provider === 'fal') standardModel = model;
      items.push({
        kind: 'generation',
        at,
        requestedTier: request.requestedTier,
        tier,
        fellBack,
        provider,
        costMicros,
        aspectRatio: request.aspectRatio as UsageItem['aspectRatio'],
        quality: request.quality as UsageItem['quality'],
      });
    } else if (event.type === 'CacheHit') {
      const { tier, provider, savedMicros, aspectRatio, quality } = event.data;
      items.push({
        kind: 'cache-hit',
        at,
        tier,
        provider,
        savedMicros,
        aspectRatio: aspectRatio as UsageItem['aspectRatio'],
        quality: quality as UsageItem['quality'],
      });
    }
  }
  return { month, events: events.length, items, downgradedAt, premiumModel, standardModel };
}

/** A generation that succeeded early in the month may have been requested in the previous one. */
async function addEarlierRequests(
  store: EventStore,
  events: ReadonlyArray<Recorded<ReportEvent>>,
  requests: Map<string, GenerationRequested['data']>,
): Promise<void> {
  for (const event of events) {
    if (event.type !== 'GenerationSucceeded' || requests.has(event.data.generationId)) continue;
    const stream: RecordedEvent[] = await store.readStream(generationStreamId(event.data.generationId));
    const requested = stream.find((candidate) => candidate.type === 'GenerationRequested');
    if (requested) requests.set(event.data.generationId, requested.data as GenerationRequested['data']);
  }
}
