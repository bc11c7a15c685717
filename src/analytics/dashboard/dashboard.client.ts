/**
 * The dashboard's browser script, served as `(${dashboardClient})(window)`. It is written here
 * rather than as a loose .js file so that it is compiled and syntax-checked with the service; it
 * must stay self-contained (nothing from this module's scope exists in the browser). DOM values
 * are `any`: the service compiles without the DOM type library.
 */
export function dashboardClient(win: any): void {
  const doc = win.document;
  const uPlot = win.uPlot;
  const TOKEN_KEY = 'genledger.adminToken';
  const REFRESH_MS = 60_000;
  const colors = {
    premium: '#a78bfa',
    standard: '#2dd4bf',
    spend: '#38bdf8',
    cap: '#f87171',
    saved: '#34d399',
    rate: '#fbbf24',
    free: '#60a5fa',
    paid: '#f472b6',
    warn: '#f59e0b',
    ok: '#22c55e',
    axis: '#8b9bb4',
    grid: 'rgba(139,155,180,0.14)',
  };
  const charts: Array<{ plot: any; observer: any }> = [];
  let month: string | null = null;
  let refreshTimer: any = null;

  const byId = (id: string): any => doc.getElementById(id);
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
    const updated = new Date();
    byId('updated').textContent =
      data.from + ' to ' + data.to + ' (UTC) · updated ' + updated.toLocaleTimeString() + ' · refreshes every minute';
    for (const { plot, observer } of charts.splice(0)) {
      observer.disconnect();
      plot.destroy();
    }
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
    drawCharts(data, downgrade);
  }

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

  /**
   * A line needs two points: a day with no neighbour (the first day of use, or a day between
   * gaps) is drawn as a dot, so a one-day series is visible. Where the chart is roomy enough,
   * uPlot shows every point anyway.
   */
  function lonePoints(color: string, spanGaps: boolean): any {
    return {
      size: 9,
      fill: color,
      filter: (u: any, seriesIndex: number, shown: boolean) => {
        if (shown) return null;
        const values = u.data[seriesIndex];
        const present = (i: number) => i >= 0 && i < values.length && values[i] !== null && values[i] !== undefined;
        const days = values.map((_v: unknown, i: number) => i).filter(present);
        const lone = spanGaps
          ? days.length === 1
            ? days
            : []
          : days.filter((i: number) => !present(i - 1) && !present(i + 1));
        return lone.length > 0 ? lone : null;
      },
    };
  }

  function bars(size: number, align: number): any {
    return uPlot.paths.bars({ size: [size, 40], align, gap: 1, radius: 0.15 });
  }

  /** side 0 is the left axis (with the grid), 1 the right one, drawn in its series' colour. */
  function axis(scale: string, side: number, values: any, stroke: string = colors.axis): any {
    return {
      scale,
      side: side === 0 ? 3 : 1,
      stroke,
      values,
      size: win.innerWidth < 560 ? 50 : 64,
      grid: { show: side === 0, stroke: colors.grid, width: 1 },
      ticks: { show: false },
    };
  }

  /** Vertical dashed lines at tier changes, drawn over the plot after the series. */
  function markersPlugin(markers: any[]): any {
    return {
      hooks: {
        draw: [
          (u: any) => {
            const ratio = win.devicePixelRatio || 1;
            const { left, top, width, height } = u.bbox;
            for (const marker of markers) {
              const px = Math.round(u.valToPos(marker.at, 'x', true));
              if (px < left || px > left + width) continue;
              u.ctx.save();
              u.ctx.strokeStyle = marker.color;
              u.ctx.lineWidth = 2 * ratio;
              u.ctx.setLineDash([5 * ratio, 4 * ratio]);
              u.ctx.beginPath();
              u.ctx.moveTo(px, top);
              u.ctx.lineTo(px, top + height);
              u.ctx.stroke();
              u.ctx.fillStyle = marker.color;
              u.ctx.font = 'bold ' + 12 * ratio + 'px system-ui, sans-serif';
              const labelWidth = u.ctx.measureText(marker.label).width;
              const labelX = px + 6 * ratio + labelWidth > left + width ? px - 6 * ratio - labelWidth : px + 6 * ratio;
              u.ctx.fillText(marker.label, labelX, top + 14 * ratio);
              u.ctx.restore();
            }
          },
        ],
      },
    };
  }

  function chart(name: string, data: any[], series: any[], yAxes: any[], markers: any[], height: number): void {
    const section = doc.querySelector('[data-chart="' + name + '"]');
    const target = section.querySelector('.plot');
    target.replaceChildren();
    // Half a day of room at both ends, so the bars of the first and last day are not cut in half.
    const scales: any = {
      x: { time: true, range: (_u: any, min: number, max: number) => [min - 43_200, max + 43_200] },
    };
    for (const s of series)
      scales[s.scale] = {
        range: (_u: any, _min: number, max: number) => [
          0,
          s.scale === 'pct' ? 100 : Math.max(max * 1.15, s.scale === 'n' ? 4 : 0.01),
        ],
      };
    const options = {
      width: Math.max(260, target.clientWidth),
      height,
      tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales,
      series: [
        { label: 'Day', value: (_u: any, ts: any) => (ts === null ? '–' : dayLabel.format(new Date(ts * 1000))) },
        ...series,
      ],
      axes: [
        {
          stroke: colors.axis,
          grid: { show: false },
          ticks: { show: false },
          values: (_u: any, splits: number[]) => splits.map((ts) => dayLabel.format(new Date(ts * 1000))),
        },
        ...yAxes,
      ],
      cursor: { points: { size: 7 }, drag: { x: false, y: false } },
      legend: { live: true },
      plugins: markers.length > 0 ? [markersPlugin(markers)] : [],
    };
    const plot = new uPlot(options, data, target);
    const observer = new win.ResizeObserver(() => plot.setSize({ width: Math.max(260, target.clientWidth), height }));
    observer.observe(target);
    charts.push({ plot, observer });
    section.dataset.series = String(series.length);
    section.dataset.points = String(data[0].length);
    section.dataset.total = String(
      data
        .slice(1)
        .reduce((sum: number, values: any[]) => sum + values.reduce((a: number, v: any) => a + (v ?? 0), 0), 0),
    );
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
