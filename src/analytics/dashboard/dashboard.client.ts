import type { dashboardCharts } from './dashboard.charts';
import type { dashboardFormat } from './dashboard.format';
import type { dashboardPlot } from './dashboard.plot';

/**
 * The dashboard's browser script, served as its source text (dashboard.controller.ts): this function
 * called with the window and the other parts' factories, which are served the same way. It is
 * written here rather than as loose .js files so that it is compiled and syntax-checked with the
 * service; every part must stay self-contained (nothing from a module's scope exists in the
 * browser, hence the type-only imports). DOM values are `any`: the service compiles without the
 * DOM type library.
 */
export function dashboardClient(
  win: any,
  createFormat: typeof dashboardFormat,
  createPlot: typeof dashboardPlot,
  createCharts: typeof dashboardCharts,
): void {
  const doc = win.document;
  const TOKEN_KEY = 'genledger.adminToken';
  const REFRESH_MS = 60_000;
  const format = createFormat();
  const { usd, integer, percent, dayLabel, timeLabel, alertText } = format;
  const charts = createCharts(createPlot(win, format), format);
  let month: string | null = null;
  let refreshTimer: any = null;

  const byId = (id: string): any => doc.getElementById(id);

  function setState(state: string): void {
    doc.body.dataset.state = state;
  }

  function showGate(message?: string): void {
    stopRefresh();
    byId('board').hidden = true;
    byId('controls').hidden = true;
    byId('gate').hidden = false;
    const alert = byId('gate-message');
    alert.hidden = !message;
    alert.textContent = message ?? '';
    byId('token').value = '';
    byId('token').focus();
    setState(message ? 'rejected' : 'gate');
  }

  function showBoardMessage(message: string | null): void {
    const alert = byId('board-message');
    alert.hidden = message === null;
    alert.textContent = message ?? '';
  }

  async function load(): Promise<void> {
    const token = win.sessionStorage.getItem(TOKEN_KEY);
    if (!token) return showGate();
    const query = month ? '?from=' + month + '-01&to=' + lastDay(month) : '';
    let response: any;
    try {
      response = await win.fetch('/v1/admin/analytics/dashboard' + query, {
        headers: { authorization: 'Bearer ' + token, accept: 'application/json' },
      });
    } catch (error: any) {
      showBoardMessage('The service did not answer (' + error.message + '). Retrying in a minute.');
      return;
    }
    if (response.status === 401 || response.status === 403) {
      const problem = await response.json().catch(() => ({}));
      win.sessionStorage.removeItem(TOKEN_KEY);
      const why = problem.detail ? ': ' + problem.detail : '';
      return showGate(
        'The admin token was refused (' + response.status + why + '). Enter the ADMIN_TOKEN the service runs with.',
      );
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      showBoardMessage(
        'Could not load the figures (' + response.status + (problem.detail ? ': ' + problem.detail : '') + ').',
      );
      setState('error');
      return;
    }
    const data = await response.json();
    month = data.from.slice(0, 7);
    byId('gate').hidden = true;
    byId('board').hidden = false;
    byId('controls').hidden = false;
    byId('month').value = month;
    showBoardMessage(null);
    render(data);
    scheduleRefresh();
    setState('ready');
  }

  function lastDay(ofMonth: string): string {
    const [year, monthNumber] = ofMonth.split('-').map(Number);
    return new Date(Date.UTC(year, monthNumber, 0)).toISOString().slice(0, 10);
  }

  function shiftMonth(delta: number): void {
    const [year, monthNumber] = (month ?? byId('month').value).split('-').map(Number);
    month = new Date(Date.UTC(year, monthNumber - 1 + delta, 1)).toISOString().slice(0, 7);
    void load();
  }

  function scheduleRefresh(): void {
    stopRefresh();
    refreshTimer = win.setTimeout(() => {
      if (doc.visibilityState === 'visible') void load();
      else scheduleRefresh();
    }, REFRESH_MS);
  }

  function stopRefresh(): void {
    if (refreshTimer !== null) win.clearTimeout(refreshTimer);
    refreshTimer = null;
  }

  function element(tag: string, className: string, text?: string): any {
    const node = doc.createElement(tag);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** Built with the DOM, not markup: the page's CSP allows no inline styles. */
  function kpi(label: string, value: string, detail: string, ratio?: number): any {
    const card = element('div', 'card kpi');
    card.append(element('div', 'label', label), element('div', 'value', value), element('div', 'detail', detail));
    if (ratio !== undefined) {
      const bar = element('div', ratio > 1 ? 'bar over' : 'bar');
      const fill = element('span', '');
      fill.style.width = Math.min(100, ratio * 100).toFixed(1) + '%';
      bar.append(fill);
      card.append(bar);
    }
    return card;
  }

  /** The cap is measured on month-to-date spend: the latest day that has one. */
  function spendKpi(spendUsd: number, days: any[]): any {
    const latest = days.filter((d: any) => d.monthToDateSpendUsd !== null).pop() ?? days[0];
    const monthToDate = latest.monthToDateSpendUsd ?? 0;
    const ratio = latest.capUsd > 0 ? monthToDate / latest.capUsd : 1;
    return kpi(
      'Spend',
      usd(spendUsd),
      percent(ratio) + ' of the ' + usd(latest.capUsd) + ' soft cap used by ' + dayLabel.format(new Date(latest.date)),
      ratio,
    );
  }

  function render(data: any): void {
    const s = data.summary;
    const downgrade = data.tierChanges.filter((c: any) => c.change === 'downgraded').pop();
    const latest = data.tierChanges[data.tierChanges.length - 1];
    const tier = byId('tier');
    const downgradedNow = latest !== undefined && latest.change === 'downgraded';
    tier.className = 'pill ' + (downgradedNow ? 'warn' : 'ok');
    tier.textContent = downgradedNow
      ? 'Standard only since ' + timeLabel.format(new Date(latest.at)) + ' UTC'
      : 'Premium available';
    byId('kpis').replaceChildren(
      spendKpi(s.spendUsd, data.days),
      kpi(
        'Generations',
        integer(s.generations),
        integer(s.byTier.premium.generations) + ' premium · ' + integer(s.byTier.standard.generations) + ' standard',
      ),
      kpi(
        'Cache hit rate',
        percent(s.cacheHitRate),
        integer(s.cacheHits) + ' hits of ' + integer(s.cacheHits + s.generations) + ' requests',
      ),
      kpi('Saved by the cache', usd(s.savedUsd), 'provider cost avoided'),
      kpi('Revenue', usd(s.revenueUsd), 'margin ' + usd(s.marginUsd) + ' after provider cost'),
      kpi('Free / paid', integer(s.freeGenerations) + ' / ' + integer(s.paidGenerations), 'generations by charge'),
      kpi(
        'Users',
        integer(s.uniqueUsers),
        integer(data.failures) + ' failed generation' + (data.failures === 1 ? '' : 's'),
      ),
    );
    byId('tier-events').replaceChildren(
      ...data.tierChanges.map((c: any) => {
        const when = timeLabel.format(new Date(c.at)) + ' UTC';
        const text =
          c.change === 'downgraded'
            ? 'Premium downgraded to Standard at ' +
              when +
              ': spend ' +
              usd(c.spendUsd) +
              ' plus the next Premium image would pass the ' +
              usd(c.capUsd) +
              ' cap'
            : 'Premium restored at ' + when + ' (' + String(c.reason).replace(/_/g, ' ') + ')';
        return element('li', c.change, text);
      }),
    );
    byId('alerts').replaceChildren(
      ...(data.alerts.length === 0
        ? [element('li', 'none', 'No alerts this month')]
        : data.alerts.map((a: any) => {
            const state =
              a.state === 'delivered' || a.attempts === 0
                ? a.state
                : a.state + ' after ' + a.attempts + ' attempt' + (a.attempts === 1 ? '' : 's');
            const line = timeLabel.format(new Date(a.createdAt)) + ' UTC · ' + alertText(a) + ' · ' + state;
            return element('li', a.state, line);
          })),
    );
    const updated = new Date();
    byId('updated').textContent =
      data.from + ' to ' + data.to + ' (UTC) · updated ' + updated.toLocaleTimeString() + ' · refreshes every minute';
    charts.clear();
    // Axes and a cap line around nothing read as a broken page: an empty month says so instead.
    const empty = s.generations + s.cacheHits === 0;
    byId('charts').hidden = empty;
    byId('empty').hidden = !empty;
    if (empty) {
      byId('empty-detail').textContent =
        'Nothing was generated or served from the cache from ' +
        dayLabel.format(new Date(data.from)) +
        ' to ' +
        dayLabel.format(new Date(data.to)) +
        ' (UTC). The charts appear with the first image.';
      return;
    }
    charts.draw(data, downgrade);
  }

  byId('token-form').addEventListener('submit', (event: any) => {
    event.preventDefault();
    const token = byId('token').value.trim();
    if (!token) return;
    win.sessionStorage.setItem(TOKEN_KEY, token);
    void load();
  });
  byId('signout').addEventListener('click', () => {
    win.sessionStorage.removeItem(TOKEN_KEY);
    showGate();
  });
  byId('prev').addEventListener('click', () => shiftMonth(-1));
  byId('next').addEventListener('click', () => shiftMonth(1));
  byId('month').addEventListener('change', () => {
    if (byId('month').value) {
      month = byId('month').value;
      void load();
    }
  });
  void load();
}
