import { Histogram, type MetricType } from 'prom-client';

export interface StoredBucketRow {
  readonly labels: Readonly<Record<string, string>>;
  /** The bucket's upper bound as stored (`'0.5'`, ..., `'+Inf'`): observations in it, not cumulative. */
  readonly le: string;
  readonly observations: number;
  readonly totalSeconds: number;
}

interface ExportedValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/**
 * A Prometheus histogram whose buckets come from a table rather than from `observe()`: the
 * projection already counted every observation, exactly, and replaying them one by one on each
 * scrape would cost as much as the history. The registry reads it through the same interface as
 * any histogram.
 */
export class StoredHistogram extends Histogram<string> {
  private exported: ExportedValue[] = [];

  constructor(
    private readonly metricName: string,
    private readonly metricHelp: string,
    private readonly bounds: readonly number[],
    labelNames: readonly string[],
  ) {
    super({ name: metricName, help: metricHelp, buckets: [...bounds], labelNames: [...labelNames], registers: [] });
  }

  /** Replaces every series with the stored rows. */
  load(rows: readonly StoredBucketRow[]): void {
    const series = new Map<
      string,
      { labels: Readonly<Record<string, string>>; byLe: Map<string, number>; sum: number }
    >();
    for (const row of rows) {
      const id = JSON.stringify(Object.entries(row.labels).sort());
      const entry = series.get(id) ?? { labels: row.labels, byLe: new Map<string, number>(), sum: 0 };
      entry.byLe.set(row.le, (entry.byLe.get(row.le) ?? 0) + row.observations);
      entry.sum += row.totalSeconds;
      series.set(id, entry);
    }
    this.exported = [...series.values()].flatMap(({ labels, byLe, sum }) => {
      let cumulative = 0;
      const buckets = [...this.bounds.map(String), '+Inf'].map((le) => {
        cumulative += byLe.get(le) ?? 0;
        return { value: cumulative, labels: { ...labels, le }, metricName: `${this.metricName}_bucket` };
      });
      return [
        ...buckets,
        { value: sum, labels: { ...labels }, metricName: `${this.metricName}_sum` },
        { value: cumulative, labels: { ...labels }, metricName: `${this.metricName}_count` },
      ];
    });
  }

  /** What the registry renders (prom-client prefers this method when a metric has it). */
  async getForPromString() {
    return {
      name: this.metricName,
      help: this.metricHelp,
      // The typings declare a numeric enum here; the runtime, and the registry that reads it, use the name.
      type: 'histogram' as unknown as MetricType,
      aggregator: 'sum' as const,
      collect: () => undefined,
      values: this.exported,
    };
  }

  override get() {
    return this.getForPromString();
  }
}
