import { forecastAlert, thresholdAlerts, watchWith, type MonthFigures, type MonthWatch } from './budget-rules';

const AT = new Date('2026-11-10T12:00:00Z');
const PERCENTS = [50, 80, 100];
const figures = (spendMicros: number, capMicros = 100_000_000): MonthFigures => ({
  month: '2026-11',
  spendMicros,
  capMicros,
});
const percentsOf = (alerts: ReturnType<typeof thresholdAlerts>) => alerts.map((a) => a.data.thresholdPercent);

describe('budget threshold rules', () => {
  it('alerts every threshold the spend has reached, lowest first, keyed by month, cap and percentage', () => {
    const watch = watchWith(undefined, figures(85_000_000), null);
    const alerts = thresholdAlerts(figures(85_000_000), watch, PERCENTS, new Set(), AT);
    expect(percentsOf(alerts)).toEqual([50, 80]);
    expect(alerts.map((a) => a.key)).toEqual([
      'budget.threshold:2026-11:100000000:50',
      'budget.threshold:2026-11:100000000:80',
    ]);
    expect(percentsOf(thresholdAlerts(figures(49_999_999), watch, PERCENTS, new Set(), AT))).toEqual([]);
    expect(percentsOf(thresholdAlerts(figures(100_000_000), watch, PERCENTS, new Set(), AT))).toEqual([50, 80, 100]);
  });

  it('a raised cap re-arms only the thresholds above the spend', () => {
    const before = watchWith(undefined, figures(85_000_000), null);
    const raised = watchWith(before, figures(85_000_000, 150_000_000), null);
    expect(raised).toMatchObject({ capMicros: 150_000_000, spendAtCapMicros: 85_000_000 });
    const alerted = new Set([50, 80]);
    // 50 % of $150 is $75, passed already and alerted this month: quiet. 80 % ($120) is armed.
    expect(percentsOf(thresholdAlerts(figures(85_000_000, 150_000_000), raised, PERCENTS, alerted, AT))).toEqual([]);
    const later = thresholdAlerts(figures(121_000_000, 150_000_000), raised, PERCENTS, alerted, AT);
    expect(later.map((a) => a.key)).toEqual(['budget.threshold:2026-11:150000000:80']);
  });

  it('a lowered cap alerts the thresholds it puts the spend past that were not alerted yet', () => {
    const before = watchWith(undefined, figures(40_000_000), null);
    const lowered = watchWith(before, figures(40_000_000, 50_000_000), null);
    expect(percentsOf(thresholdAlerts(figures(40_000_000, 50_000_000), lowered, PERCENTS, new Set(), AT))).toEqual([
      50, 80,
    ]);
  });

  it('counts days with spend once each', () => {
    let watch: MonthWatch = watchWith(undefined, figures(0), null);
    for (const day of ['2026-11-01', '2026-11-01', '2026-11-02', '2026-11-01'])
      watch = watchWith(watch, figures(1), day);
    expect(watch).toMatchObject({ spendDays: 2, lastSpendDay: '2026-11-02' });
  });
});

describe('the month-end forecast rule', () => {
  const watchWithDays = (spendDays: number): MonthWatch => ({
    capMicros: 100_000_000,
    spendAtCapMicros: 0,
    spendDays,
    lastSpendDay: '2026-11-03',
  });

  it('alerts when the linear projection passes the cap, after the minimum of days with spend', () => {
    // On the 4th at 00:00, 3 of 30 days have passed: $11 projects to $110.
    const at = new Date('2026-11-04T00:00:00Z');
    expect(forecastAlert(figures(11_000_000), watchWithDays(2), 3, at)).toBeNull();
    const alert = forecastAlert(figures(11_000_000), watchWithDays(3), 3, at);
    expect(alert).toMatchObject({ key: 'budget.forecast:2026-11:100000000', type: 'budget.forecast' });
    expect(alert?.data).toEqual({ month: '2026-11', spendUsd: 11, capUsd: 100, forecastUsd: 110 });
    expect(forecastAlert(figures(10_000_000), watchWithDays(3), 3, at)).toBeNull();
  });
});
