import type { ProjectionTable } from '../../../event-store/projection';

/**
 * Each user's balance and open reservations, updated in the append's own transaction so that a
 * command reads its own writes (STYLE.md rule 7). The CHECK constraint on the table is a second
 * guard: a bug that would drive a balance below zero aborts the append instead.
 */
export const accountBalancesTable: ProjectionTable = {
  name: 'account_balances',
  keyColumns: ['user_id'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      user_id text PRIMARY KEY,
      paid_available bigint NOT NULL DEFAULT 0,
      paid_reserved bigint NOT NULL DEFAULT 0,
      paid_captured bigint NOT NULL DEFAULT 0,
      paid_granted bigint NOT NULL DEFAULT 0,
      free_day text,
      free_used integer NOT NULL DEFAULT 0,
      debt_credits bigint NOT NULL DEFAULT 0 CONSTRAINT account_balances_debt_credits_check CHECK (debt_credits >= 0),
      CHECK (paid_available >= 0 AND paid_reserved >= 0)
    )`,
};

export const openReservationsTable: ProjectionTable = {
  name: 'open_reservations',
  keyColumns: ['reservation_id'],
  createSql: (table) => `
    CREATE TABLE ${table} (
      reservation_id text PRIMARY KEY,
      user_id text NOT NULL,
      kind text NOT NULL,
      credits integer NOT NULL,
      day text NOT NULL,
      tier text NOT NULL,
      price_micros bigint NOT NULL,
      generation_id text,
      expires_at timestamptz NOT NULL
    )`,
};
