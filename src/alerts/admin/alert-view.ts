import type { AlertState, AlertType } from '../domain/alert';
import type { AlertRow } from '../outbox/alert-outbox.queries';

/** An alert as `GET /v1/admin/alerts` shows it (API.md). */
export interface AlertView {
  readonly id: string;
  readonly type: AlertType;
  readonly createdAt: string;
  readonly state: AlertState;
  readonly attempts: number;
  readonly data: Readonly<Record<string, unknown>>;
}

export function alertView(row: AlertRow): AlertView {
  return {
    id: row.id,
    type: row.type,
    createdAt: new Date(row.created_at).toISOString(),
    state: row.state,
    attempts: Number(row.attempts),
    data: row.data,
  };
}
