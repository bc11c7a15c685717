import type { Clock } from '../../common/clock';
import { DomainError } from '../../common/domain-error';
import type { Database, Sql } from '../../database/database';
import type { PrintPlan } from '../../media/print';

interface ClaimRow {
  readonly width_px: number;
  readonly height_px: number;
  readonly width_inches: string | number;
  readonly height_inches: string | number;
}

/**
 * The print sizes each generation has taken, at most `perGeneration` of them. A size is claimed
 * before its render and keeps its place once recorded, so a generation's prints (a JPEG and a PDF
 * each, in media storage) never exceed the bound. Claims are rows in PostgreSQL, taken under a
 * lock per generation, so replicas agree. A render that fails gives its new claim back; a
 * process that dies mid-render leaves it, and selecting that size again completes it.
 */
export class PrintSizeClaims {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly perGeneration: number,
  ) {}

  /** Refuses at once, writing nothing, a new size for a generation that has all its sizes. */
  async check(generationId: string, plan: PrintPlan): Promise<void> {
    this.refuseBeyondBound(generationId, plan, await this.claimsOf(this.database, generationId));
  }

  /** Takes the size for the generation; true when it is newly taken (false: it already was). */
  claim(generationId: string, plan: PrintPlan): Promise<boolean> {
    return this.database.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 3))', [`print-sizes:${generationId}`]);
      const claims = await this.claimsOf(tx, generationId);
      if (claims.some((claim) => isSize(claim, plan))) return false;
      this.refuseBeyondBound(generationId, plan, claims);
      await tx.query(
        `INSERT INTO print_size_claims (generation_id, width_px, height_px, width_inches, height_inches, claimed_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          generationId,
          plan.widthPx,
          plan.heightPx,
          plan.widthInches,
          plan.heightInches,
          this.clock.now().toISOString(),
        ],
      );
      return true;
    });
  }

  /** Gives a newly taken size back when its print was not recorded after all. */
  async release(generationId: string, plan: PrintPlan): Promise<void> {
    await this.database.query(
      `DELETE FROM print_size_claims c
       WHERE c.generation_id = $1 AND c.width_px = $2 AND c.height_px = $3
         AND NOT EXISTS (SELECT 1 FROM selections s
                         WHERE s.generation_id = c.generation_id AND s.width_px = c.width_px AND s.height_px = c.height_px)`,
      [generationId, plan.widthPx, plan.heightPx],
    );
  }

  private claimsOf(sql: Sql, generationId: string): Promise<ClaimRow[]> {
    return sql.query<ClaimRow>(
      `SELECT width_px, height_px, width_inches, height_inches FROM print_size_claims
       WHERE generation_id = $1 ORDER BY claimed_at, width_px, height_px`,
      [generationId],
    );
  }

  private refuseBeyondBound(generationId: string, plan: PrintPlan, claims: readonly ClaimRow[]): void {
    if (claims.length < this.perGeneration || claims.some((claim) => isSize(claim, plan))) return;
    const sizes = claims.map((claim) => ({
      widthInches: Number(claim.width_inches),
      heightInches: Number(claim.height_inches),
    }));
    throw new DomainError(
      'print_sizes_exhausted',
      `Generation ${generationId} already has ${claims.length} print sizes, the most one generation may have: ` +
        `${sizes.map((size) => `${size.widthInches} x ${size.heightInches} in`).join(', ')}. Select one of them.`,
      { maxSizes: this.perGeneration, sizes },
    );
  }
}

function isSize(claim: ClaimRow, plan: PrintPlan): boolean {
  return Number(claim.width_px) === plan.widthPx && Number(claim.height_px) === plan.heightPx;
}
