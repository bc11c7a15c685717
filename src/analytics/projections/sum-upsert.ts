import type { Sql } from '../../database/database';

/** Accumulates one batch in memory, so a batch costs one statement per table whatever its size. */
export class SumBatch {
  private readonly rows = new Map<string, { key: readonly string[]; sums: number[] }>();

  constructor(
    readonly keys: readonly string[],
    readonly sums: readonly string[],
  ) {}

  add(key: readonly string[], values: Readonly<Record<string, number>>): void {
    const id = JSON.stringify(key);
    const row = this.rows.get(id) ?? { key, sums: this.sums.map(() => 0) };
    this.sums.forEach((column, index) => {
      row.sums[index] += values[column] ?? 0;
    });
    this.rows.set(id, row);
  }

  /** Adds the batch to `table`: new keys are inserted, existing ones incremented. */
  async upsert(tx: Sql, table: string): Promise<void> {
    if (this.rows.size === 0) return;
    const rows = [...this.rows.values()];
    const columns = [...this.keys, ...this.sums];
    const arrays = [
      ...this.keys.map((_, index) => rows.map((row) => row.key[index])),
      ...this.sums.map((_, index) => rows.map((row) => row.sums[index])),
    ];
    const unnest = columns
      .map((_, index) => `$${index + 1}::${index < this.keys.length ? 'text' : 'bigint'}[]`)
      .join(', ');
    const updates = this.sums.map((column) => `${column} = t.${column} + excluded.${column}`).join(', ');
    await tx.query(
      `INSERT INTO ${table} AS t (${columns.join(', ')})
       SELECT * FROM unnest(${unnest})
       ON CONFLICT (${this.keys.join(', ')}) DO UPDATE SET ${updates}`,
      arrays,
    );
  }
}
