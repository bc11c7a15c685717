/**
 * Upcasting (DESIGN.md: event schemas carry a version and are upcast on read). An upcaster turns
 * the data of `(type, fromVersion)` into the data of `fromVersion + 1`; reads apply the chain up to
 * the newest version, so deciders and projections only ever see current shapes.
 */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

export class UpcasterRegistry {
  private readonly byKey = new Map<string, Upcaster>();
  private readonly latest = new Map<string, number>();

  register(upcaster: Upcaster): this {
    this.byKey.set(`${upcaster.type}@${upcaster.fromVersion}`, upcaster);
    this.latest.set(upcaster.type, Math.max(this.latest.get(upcaster.type) ?? 1, upcaster.fromVersion + 1));
    return this;
  }

  /** The schema version that new events of `type` are written with. */
  currentVersion(type: string): number {
    return this.latest.get(type) ?? 1;
  }

  upcast(
    type: string,
    version: number,
    data: Record<string, unknown>,
  ): { version: number; data: Record<string, unknown> } {
    let current = data;
    let at = version;
    for (let step = this.byKey.get(`${type}@${at}`); step; step = this.byKey.get(`${type}@${at}`)) {
      current = step.upcast(current);
      at += 1;
    }
    return { version: at, data: current };
  }
}
