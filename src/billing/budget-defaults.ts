import type { AppConfig } from '../config/app-config';
import type { BudgetDefaults } from './domain/budget';

/** The configured caps, which apply to a month until an admin sets its own. */
export function budgetDefaultsOf(config: AppConfig): BudgetDefaults {
  return { defaultCapMicros: config.budgetMonthlyCapMicros, defaultHardCapMicros: config.budgetHardCapMicros ?? null };
}
