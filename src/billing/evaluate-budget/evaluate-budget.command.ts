import { Command } from '@nestjs/cqrs';
import type { BudgetView } from '../domain/budget';

/** Re-evaluates this month's budget (the scheduled job): a new month or room under the cap restores Premium. */
export class EvaluateBudget extends Command<BudgetView> {}
