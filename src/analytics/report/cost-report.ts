import { dollarsToMicros, microsToDollars } from '../../billing/domain/money';
import {
  difference,
  listPricing,
  replayActual,
  replayWhatIf,
  type CostDifference,
  type PolicyOutcome,
  type WhatIf,
} from '../domain/cost-report';
import type { MonthUsage } from './month-usage';

const POLICY_MEANING: Readonly<Record<WhatIf['kind'], string>> = {
  'standard-only': 'every Premium image made by Standard, at its list price for the same aspect ratio',
  'no-cache': 'every cache hit made by the provider, at what its source image cost',
  cap: 'the soft cap at this value; Premium requests past it are made by Standard',
};

export interface CostReport {
  readonly month: string;
  readonly events: number;
  readonly actual: PolicyOutcome;
  readonly whatIf: {
    readonly kind: WhatIf['kind'];
    readonly policy: string;
    readonly outcome: PolicyOutcome;
    readonly difference: CostDifference;
  } | null;
}

/** `standard-only`, `no-cache` or `cap=USD`; undefined when the text is none of them. */
export function parseWhatIf(text: string): WhatIf | undefined {
  if (text === 'standard-only' || text === 'no-cache') return { kind: text };
  const cap = /^cap=(\d+(?:\.\d{1,6})?)$/.exec(text);
  if (!cap) return undefined;
  return { kind: 'cap', capMicros: dollarsToMicros(Number(cap[1])) };
}

export function costReport(usage: MonthUsage, whatIf: WhatIf | undefined): CostReport {
  const actual = replayActual(usage.items, usage.downgradedAt);
  if (!whatIf) return { month: usage.month, events: usage.events, actual, whatIf: null };
  const outcome = replayWhatIf(
    usage.items,
    whatIf,
    listPricing(usage.premiumModel, usage.standardModel),
    usage.downgradedAt,
  );
  const policy = whatIf.kind === 'cap' ? `cap=${microsToDollars(whatIf.capMicros)}` : whatIf.kind;
  return {
    month: usage.month,
    events: usage.events,
    actual,
    whatIf: { kind: whatIf.kind, policy, outcome, difference: difference(actual, outcome) },
  };
}

/** Dollars with every micro-dollar shown, but at least cents: reports are exact, not rounded. */
function exactUsd(micros: number, signed = false): string {
  const sign = micros < 0 ? '-' : signed && micros > 0 ? '+' : '';
  const digits = (Math.abs(micros) / 1_000_000).toFixed(6).replace(/(\.\d\d\d*?)0+$/, '$1');
  return `${sign}$${digits}`;
}

const signedCount = (n: number) => (n > 0 ? `+${n}` : String(n));

export function costReportText(report: CostReport): string {
  const { actual, whatIf } = report;
  const row = (label: string, of: (o: PolicyOutcome) => string, change: (d: CostDifference) => string): string[] =>
    whatIf ? [label, of(actual), of(whatIf.outcome), change(whatIf.difference)] : [label, of(actual)];
  const table = [
    whatIf ? ['', 'actual', whatIf.policy, 'difference'] : ['', 'actual'],
    row(
      'Spend',
      (o) => exactUsd(o.spendMicros),
      (d) => exactUsd(d.spendMicros, true),
    ),
    row(
      'Premium generations',
      (o) => String(o.generations.premium),
      (d) => signedCount(d.generations.premium),
    ),
    row(
      'Standard generations',
      (o) => String(o.generations.standard),
      (d) => signedCount(d.generations.standard),
    ),
    row(
      'Cache hits',
      (o) => String(o.cacheHits),
      (d) => signedCount(d.cacheHits),
    ),
    row(
      'Cache savings',
      (o) => exactUsd(o.savedMicros),
      (d) => exactUsd(d.savedMicros, true),
    ),
    row(
      'Premium downgraded at',
      (o) => (o.downgradedAt ? `${o.downgradedAt.slice(0, 16).replace('T', ' ')} UTC` : '-'),
      () => '',
    ),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((cells) => cells[column].length)));
  const lines = table.map((cells) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column])))
      .join('   ')
      .trimEnd(),
  );
  const title = `Cost report for ${report.month} (UTC), replayed from ${report.events} events`;
  const explained = whatIf ? [`What if ${whatIf.policy}: ${POLICY_MEANING[whatIf.kind]}`] : [];
  return [title, ...explained, '', ...lines, ''].join('\n');
}

export function costReportJson(report: CostReport): unknown {
  const outcome = (o: PolicyOutcome) => ({
    spendUsd: microsToDollars(o.spendMicros),
    generations: o.generations,
    cacheHits: o.cacheHits,
    savedUsd: microsToDollars(o.savedMicros),
    downgradedAt: o.downgradedAt,
  });
  return {
    month: report.month,
    events: report.events,
    actual: outcome(report.actual),
    whatIf: report.whatIf && {
      policy: report.whatIf.policy,
      ...outcome(report.whatIf.outcome),
      difference: {
        spendUsd: microsToDollars(report.whatIf.difference.spendMicros),
        generations: report.whatIf.difference.generations,
        cacheHits: report.whatIf.difference.cacheHits,
        savedUsd: microsToDollars(report.whatIf.difference.savedMicros),
      },
    },
  };
}
