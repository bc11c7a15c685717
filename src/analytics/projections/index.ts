import type { Projection } from '../../event-store/projection';
import { budgetProjection } from './budget.projection';
import { revenueProjection } from './revenue.projection';
import { usageProjection } from './usage.projection';

export const ANALYTICS_PROJECTIONS: readonly Projection[] = [usageProjection, budgetProjection, revenueProjection];
