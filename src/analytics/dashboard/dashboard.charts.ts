import type { DashboardFormat } from './dashboard.format';
import type { DashboardPlot } from './dashboard.plot';

/**
 * The four charts of the board, from the dashboard call's answer.
 *
 * Part of the dashboard's browser script (see dashboard.client.ts): self-contained, since it is
 * served as its source text and nothing from this module's scope exists in the browser.
 */
export function dashboardCharts(plot: DashboardPlot, format: DashboardFormat) {
  const { colors, chart, bars, axis, lonePoints } = plot;
  const { usd, integer, daySeconds } = format;

  function drawCharts(data: any, downgrade: any): void {
    const x = data.days.map((d: any) => daySeconds(d.date));
    // Days still to come have no figures yet: left empty rather than drawn as zeros.
    const pick = (field: string) => data.days.map((d: any) => (d.monthToDateSpendUsd === null ? null : d[field]));
    const hitRate = data.days.map((d: any) =>
      d.cacheHits + d.generations === 0 ? null : (100 * d.cacheHits) / (d.cacheHits + d.generations),
    );
    const markers = data.tierChanges.map((c: any) => ({
      at: Date.parse(c.at) / 1000,
      color: c.change === 'downgraded' ? colors.warn : colors.ok,
      label: c.change === 'downgraded' ? 'Downgraded' : 'Restored',
    }));
    chart(
      'spend',
      [x, pick('spendUsd'), pick('monthToDateSpendUsd'), data.days.map((d: any) => d.capUsd)],
      [
        {
          label: 'Spend that day',
          scale: 'day',
          stroke: colors.spend,
          width: 1,
          fill: 'rgba(56,189,248,0.22)',
          paths: bars(0.55, 0),
          points: { show: false },
          value: money,
        },
        {
          label: 'Month to date',
          scale: 'usd',
          stroke: colors.premium,
          width: 2.5,
          fill: 'rgba(167,139,250,0.10)',
          points: lonePoints(colors.premium, false),
          value: money,
        },
        {
          label: 'Soft cap',
          scale: 'usd',
          stroke: colors.cap,
          width: 1.5,
          dash: [7, 6],
          points: { show: false },
          value: money,
        },
      ],
      [axis('usd', 0, dollarTicks), axis('day', 1, dollarTicks, colors.spend)],
      markers,
      downgrade ? 300 : 280,
    );
    chart(
      'tiers',
      [x, pick('premium'), pick('standard')],
      [
        {
          label: 'Premium',
          scale: 'n',
          stroke: colors.premium,
          fill: 'rgba(167,139,250,0.75)',
          paths: bars(0.42, -1),
          points: { show: false },
        },
        {
          label: 'Standard',
          scale: 'n',
          stroke: colors.standard,
          fill: 'rgba(45,212,191,0.75)',
          paths: bars(0.42, 1),
          points: { show: false },
        },
      ],
      [axis('n', 0, countTicks)],
      [],
      260,
    );
    chart(
      'cache',
      [x, hitRate, pick('savedUsd')],
      [
        {
          label: 'Hit rate',
          scale: 'pct',
          stroke: colors.rate,
          width: 2.5,
          spanGaps: true,
          points: lonePoints(colors.rate, true),
          value: (_u: any, v: any) => (v === null ? '–' : v.toFixed(1) + '%'),
        },
        {
          label: 'Saved',
          scale: 'usd',
          stroke: colors.saved,
          fill: 'rgba(52,211,153,0.45)',
          paths: bars(0.5, 0),
          points: { show: false },
          value: money,
        },
      ],
      [
        axis('pct', 0, (_u: any, splits: number[]) => splits.map((v) => v + '%')),
        axis('usd', 1, dollarTicks, colors.saved),
      ],
      [],
      260,
    );
    chart(
      'charges',
      [x, pick('freeGenerations'), pick('paidGenerations')],
      [
        {
          label: 'Free quota',
          scale: 'n',
          stroke: colors.free,
          fill: 'rgba(96,165,250,0.75)',
          paths: bars(0.42, -1),
          points: { show: false },
        },
        {
          label: 'Paid credits',
          scale: 'n',
          stroke: colors.paid,
          fill: 'rgba(244,114,182,0.75)',
          paths: bars(0.42, 1),
          points: { show: false },
        },
      ],
      [axis('n', 0, countTicks)],
      [],
      260,
    );
  }

  function money(_u: any, value: any): string {
    return value === null || value === undefined ? '–' : usd(value);
  }

  function dollarTicks(_u: any, splits: number[]): string[] {
    return splits.map((v) => (v === 0 ? '$0' : usd(v)));
  }

  function countTicks(_u: any, splits: number[]): string[] {
    return splits.map((v) => (Number.isInteger(v) ? integer(v) : ''));
  }

  return { draw: drawCharts, clear: plot.clear };
}
