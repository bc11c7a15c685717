/**
 * Part of the dashboard's browser script (see dashboard.client.ts): self-contained, since it is
 * served as its source text and nothing from this module's scope exists in the browser.
 */
export function dashboardFormat() {
  const usd = (value: number): string =>
    new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: 2,
      maximumFractionDigits: Math.abs(value) < 10 ? 3 : 2,
    }).format(value);
  const integer = (value: number): string => new Intl.NumberFormat('en-US').format(value);
  const percent = (ratio: number): string => (ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0) + '%';
  const dayLabel = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const timeLabel = new Intl.DateTimeFormat('en-US', {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
  });
  const daySeconds = (date: string): number => Date.parse(date + 'T00:00:00Z') / 1000;
  /** One line for an alert of `GET /v1/admin/alerts`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- alert JSON as the data call answers it
  function alertText(a: any): string {
    const d = a.data;
    switch (a.type) {
      case 'budget.threshold':
        return 'Spend ' + usd(d.spendUsd) + ' reached ' + d.thresholdPercent + '% of the ' + usd(d.capUsd) + ' cap';
      case 'budget.forecast':
        return 'Forecast ' + usd(d.forecastUsd) + ' passes the ' + usd(d.capUsd) + ' cap';
      case 'budget.tier_downgraded':
        return 'Premium downgraded to Standard';
      case 'budget.tier_restored':
        return 'Premium restored (' + String(d.reason).replace(/_/g, ' ') + ')';
      case 'budget.hard_cap_reached':
        return 'Hard cap ' + usd(d.hardCapUsd) + ' reached: paid requests refused';
      default:
        return d.provider + ' circuit ' + (a.type === 'provider.circuit_opened' ? 'opened' : 'closed');
    }
  }

  return { usd, integer, percent, dayLabel, timeLabel, daySeconds, alertText };
}

export type DashboardFormat = ReturnType<typeof dashboardFormat>;
