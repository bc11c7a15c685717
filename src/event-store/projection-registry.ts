import type { EventStore } from './event-store';
import { assertValidProjection, ensureLiveTables, registerInlineOnce, type Projection } from './projection';
import {
  rebuild,
  verify,
  type RebuildResult,
  type ReplayOptions,
  type VerifyOptions,
  type VerifyResult,
} from './replay';

class UnknownProjectionError extends Error {
  constructor(name: string, known: readonly string[]) {
    super(`Unknown projection ${JSON.stringify(name)}; known: ${known.length > 0 ? known.join(', ') : '(none)'}`);
    this.name = 'UnknownProjectionError';
  }
}

/**
 * Every projection of the service, by name. Creating the registry registers its inline
 * projections with the store (their live tables are then written in each append's transaction),
 * so no append can happen through this store without them.
 */
export class ProjectionRegistry {
  private readonly byName = new Map<string, Projection>();

  constructor(
    readonly store: EventStore,
    projections: readonly Projection[],
  ) {
    const tables = new Map<string, string>();
    for (const projection of projections) {
      assertValidProjection(projection);
      if (this.byName.has(projection.name)) throw new Error(`Projection ${projection.name} is registered twice`);
      for (const table of projection.tables) {
        const owner = tables.get(table.name);
        if (owner) throw new Error(`Table ${table.name} belongs to both ${owner} and ${projection.name}`);
        tables.set(table.name, projection.name);
      }
      this.byName.set(projection.name, projection);
    }
    for (const projection of this.all()) {
      if (projection.kind === 'inline') registerInlineOnce(store, projection);
    }
  }

  all(): readonly Projection[] {
    return [...this.byName.values()];
  }

  asyncProjections(): readonly Projection[] {
    return this.all().filter((projection) => projection.kind === 'async');
  }

  get(name: string): Projection {
    const projection = this.byName.get(name);
    if (!projection) throw new UnknownProjectionError(name, [...this.byName.keys()]);
    return projection;
  }

  /**
   * Creates missing live tables. Serialised across replicas that start together by a
   * transaction-scoped advisory lock, so two of them never both try to create one table.
   */
  async ensureTables(): Promise<void> {
    await this.store.database.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('genledger:projection-tables', 0))`);
      for (const projection of this.all()) await ensureLiveTables(tx, projection);
    });
  }

  rebuild(name: string, options?: ReplayOptions): Promise<RebuildResult> {
    return rebuild(this.store, this.get(name), options);
  }

  verify(name: string, options?: VerifyOptions): Promise<VerifyResult> {
    return verify(this.store, this.get(name), options);
  }

  /** One after the other: each rebuild already uses the database fully. */
  async rebuildAll(options?: ReplayOptions): Promise<RebuildResult[]> {
    const results: RebuildResult[] = [];
    for (const projection of this.all()) results.push(await rebuild(this.store, projection, options));
    return results;
  }

  async verifyAll(options?: VerifyOptions): Promise<VerifyResult[]> {
    const results: VerifyResult[] = [];
    for (const projection of this.all()) results.push(await verify(this.store, projection, options));
    return results;
  }
}
