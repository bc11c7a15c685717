import type { DashboardFormat } from './dashboard.format';

/**
 * uPlot and the DOM behind it: drawing a chart, its axes, bars and tier-change markers.
 *
 * Part of the dashboard's browser script (see dashboard.client.ts): self-contained, since it is
 * served as its source text and nothing from this module's scope exists in the browser.
 * DOM and uPlot values are `any`: the service compiles without the DOM type library.
 */
export function dashboardPlot(win: any, format: DashboardFormat) {
  const doc = win.document;
  const uPlot = win.uPlot;
  const { dayLabel } = format;
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

  /** Destroys every chart drawn so far. */
  function clear(): void {
    for (const { plot, observer } of charts.splice(0)) {
      observer.disconnect();
      plot.destroy();
    }
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

  return { colors, chart, bars, axis, lonePoints, clear };
}

export type DashboardPlot = ReturnType<typeof dashboardPlot>;
