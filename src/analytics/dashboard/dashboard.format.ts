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
  return { usd, integer, percent, dayLabel, timeLabel, daySeconds };
}

export type DashboardFormat = ReturnType<typeof dashboardFormat>;
