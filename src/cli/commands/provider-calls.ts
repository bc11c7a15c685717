import { microsToDollars } from '../../billing/domain/money';
import { monthRange, rangeInstants } from '../../common/utc-time';
import type { EventStore } from '../../event-store/event-store';
import type { RecordedEvent } from '../../event-store/event-types';
import type {
  GenerationFailed,
  GenerationSucceeded,
  ProviderCallRecord,
} from '../../generation/domain/generation-events';

const TYPES = ['GenerationSucceeded', 'GenerationFailed'];
const BATCH = 5000;
const OUTCOMES = ['billed', 'unknown', 'not_billed'] as const;

interface Call extends ProviderCallRecord {
  readonly generationId: string;
  readonly at: string;
}

/**
 * The month's provider calls from the generations' outcomes, grouped by outcome, each with the
 * provider's request id, so they can be matched line by line against the provider's invoice.
 */
export async function providerCalls(store: EventStore, month: string, at: Date | undefined): Promise<string> {
  const calls = await callsOf(store, month, at);
  const usd = (micros: number | undefined) => (micros === undefined ? '-' : `$${microsToDollars(micros).toFixed(6)}`);
  const lines = [`Provider calls ${month}${at ? ` as of ${at.toISOString()}` : ''}: ${calls.length}`];
  for (const outcome of OUTCOMES) {
    const group = calls.filter((call) => call.outcome === outcome);
    if (group.length === 0) continue;
    const counted = group.reduce(
      (sum, call) => sum + (outcome === 'billed' ? (call.costMicros ?? 0) : call.priceMicros),
      0,
    );
    lines.push('', `  ${outcome}: ${group.length} call(s), ${usd(outcome === 'not_billed' ? 0 : counted)}`);
    for (const call of group) {
      const error = call.error ? `  ${call.error.code}${call.error.status ? ` ${call.error.status}` : ''}` : '';
      lines.push(
        `    ${call.at.replace('T', ' ').replace(/\.\d+Z$/, '')}  ${call.generationId} #${call.attempt}  ` +
          `${call.provider}/${call.model}  price ${usd(call.priceMicros)}  cost ${usd(call.costMicros)}  ` +
          `request ${call.requestId ?? '-'}${error}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

async function callsOf(store: EventStore, month: string, at: Date | undefined): Promise<Call[]> {
  const { start, end } = rangeInstants(monthRange(month));
  const until = at && at < end ? at : end;
  const calls: Call[] = [];
  let after: { transactionId: string; globalPosition: number } | undefined;
  for (;;) {
    // Everything committed, not only what is behind the async consumers' horizon: an audit is a
    // one-off read of what the store holds now, and must not miss a generation that just ended.
    const batch = await store.readAll({ after, limit: BATCH, types: TYPES, allCommitted: true });
    for (const event of batch as Array<RecordedEvent<GenerationSucceeded | GenerationFailed>>) {
      if (event.recordedAt < start || event.recordedAt >= until) continue;
      for (const attempt of event.data.attempts ?? []) {
        calls.push({ ...attempt, generationId: event.data.generationId, at: event.recordedAt.toISOString() });
      }
    }
    if (batch.length < BATCH) break;
    after = batch[batch.length - 1];
  }
  return calls;
}
