import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { Tier } from '../config/app-config';
import { Deadline } from './deadline';
import { AttemptLog, failedAttemptOf, pendingError } from './attempt-log';
import type { GenerateParams, GeneratedImage, ImageProvider, PriceParams, ProviderName } from './domain/image-provider';
import { billedAttempt, type PlannedAttempt, type ProviderAttempt } from './domain/provider-call';
import { ProviderFailure } from './provider-failure';
import { AttemptRefused, ProviderResilience, type FailureReason, type ResilienceOptions } from './resilience';
import { TIER_PROVIDERS, type TierProviders } from './tier-providers';

export const RESILIENCE_OPTIONS = Symbol('RESILIENCE_OPTIONS');

/** PROVIDER_DEADLINE_SECONDS' default, for routers built without configuration. */
export const DEFAULT_DEADLINE_MS = 90_000;

export interface ProviderRouterOptions extends Partial<ResilienceOptions> {
  /** One generation's whole time with the providers: every attempt, wait and the fallback. */
  readonly deadlineMs?: number;
}

export interface RouteHooks {
  /**
   * Awaited before each provider call with the attempt about to be made and the generation's
   * earlier attempts (one still running counts as `unknown`), e.g. to hold the budget for a
   * second call. If it throws, that call is not made and the generation fails with a
   * ProviderFailure carrying the attempts so far (and the thrown error's code when it is a
   * DomainError).
   */
  beforeAttempt?(planned: PlannedAttempt, earlier: readonly ProviderAttempt[]): Promise<void> | void;
}

export interface RoutedGeneration {
  readonly image: GeneratedImage;
  readonly provider: ProviderName;
  readonly model: string;
  readonly requestedTier: Tier;
  /** The tier that actually served: `standard` after a fallback. */
  readonly tier: Tier;
  /** What the provider that served bills for it; this is what must be charged and budgeted. */
  readonly costMicros: number;
  readonly fellBack: boolean;
  /** Why Premium was passed over, when it was. */
  readonly fallbackReason: FailureReason | null;
  /** Every provider call of this generation in order, failed ones and Premium's before a fallback included. */
  readonly attempts: readonly ProviderAttempt[];
}

/** A request the provider refused, or one the caller gave up on, would fare no better elsewhere. */
const NO_FALLBACK: ReadonlySet<FailureReason> = new Set<FailureReason>(['rejected', 'cancelled']);

@Injectable()
export class ProviderRouter {
  private readonly logger = new Logger(ProviderRouter.name);
  private readonly resilience: Readonly<Record<Tier, ProviderResilience>>;
  readonly deadlineMs: number;

  constructor(
    @Inject(TIER_PROVIDERS) private readonly providers: TierProviders,
    @Optional() @Inject(RESILIENCE_OPTIONS) options: ProviderRouterOptions = {},
  ) {
    const { deadlineMs = DEFAULT_DEADLINE_MS, ...resilience } = options;
    this.deadlineMs = deadlineMs;
    this.resilience = {
      premium: new ProviderResilience(providers.premium.name, resilience),
      standard: new ProviderResilience(providers.standard.name, resilience),
    };
  }

  route(tier: Tier): ImageProvider {
    return this.providers[tier];
  }

  /**
   * The price to reserve before generating: enough for whichever provider ends up serving, since a
   * Premium request may fall back to Standard.
   */
  priceFor(tier: Tier, params: PriceParams): number {
    const own = this.route(tier).price(params);
    return tier === 'premium' ? Math.max(own, this.route('standard').price(params)) : own;
  }

  /**
   * Generates through the tier's provider with timeouts, retries and its circuit breaker, all
   * within one deadline. When Premium is down (circuit open, retries exhausted, timed out,
   * misconfigured) and the deadline has not passed, Standard serves instead and the result says
   * so. Failures are ProviderFailures (provider_failed / provider_unavailable) of the provider
   * tried last; both the result and the failure list every attempt.
   */
  async generate(tier: Tier, params: GenerateParams, hooks: RouteHooks = {}): Promise<RoutedGeneration> {
    const deadline = Deadline.in(this.deadlineMs);
    const log = new AttemptLog();
    const run: Run = { params, hooks, deadline, log };
    try {
      try {
        return await this.attempt(tier, tier, run, null);
      } catch (error) {
        if (tier !== 'premium' || !(error instanceof DomainError)) throw error;
        const reason = error.details.reason as FailureReason;
        if (NO_FALLBACK.has(reason) || deadline.expired) throw error;
        this.logger.warn(`premium (${this.providers.premium.name}) failed: ${error.message}; standard serves`);
        return await this.attempt('standard', tier, run, reason);
      }
    } catch (error) {
      throw this.failure(error, run);
    } finally {
      deadline.dispose();
    }
  }

  private async attempt(
    tier: Tier,
    requestedTier: Tier,
    run: Run,
    fallbackReason: FailureReason | null,
  ): Promise<RoutedGeneration> {
    const provider = this.providers[tier];
    const { params } = run;
    const call = async (signal: AbortSignal | undefined): Promise<GeneratedImage> => {
      const planned: PlannedAttempt = {
        provider: provider.name,
        model: provider.model,
        tier,
        attempt: run.log.size + 1,
        priceMicros: provider.price(params),
      };
      try {
        await run.hooks.beforeAttempt?.(planned, run.log.sofar());
      } catch (error) {
        throw new AttemptRefused(error);
      }
      // Cut off (the deadline, the caller) while the hook ran: the call is not started.
      if (signal?.aborted) throw signal.reason;
      const entry = run.log.start(planned);
      try {
        const image = await provider.generate({ ...params, signal, onRequestId: entry.noteRequestId });
        entry.settle(billedAttempt(planned, planned.priceMicros, image.providerRequestId));
        return image;
      } catch (error) {
        entry.settle(failedAttemptOf(planned, error, signal, entry.requestId()));
        throw error;
      }
    };
    // The local provider has no network to fail: a timeout under load, or a breaker opened by
    // one, would only turn away requests it can always serve.
    const image =
      provider.name === 'local'
        ? await call(params.signal)
        : await this.resilience[tier].run(({ signal }) => call(signal), {
            signal: params.signal,
            deadline: run.deadline,
          });
    return {
      image,
      provider: provider.name,
      model: provider.model,
      requestedTier,
      tier,
      costMicros: provider.price(params),
      fellBack: fallbackReason !== null,
      fallbackReason,
      attempts: run.log.close(pendingError(run)),
    };
  }

  private failure(error: unknown, run: Run): ProviderFailure {
    const attempts = run.log.close(pendingError(run));
    if (error instanceof AttemptRefused) {
      const refusal = error.reason;
      if (refusal instanceof DomainError) {
        return new ProviderFailure(refusal.code, refusal.message, refusal.details, 'attempt_refused', attempts, {
          cause: refusal,
        });
      }
      return new ProviderFailure(
        'provider_failed',
        'The image could not be generated',
        { reason: 'attempt_refused' },
        'attempt_refused',
        attempts,
        { cause: refusal },
      );
    }
    if (error instanceof DomainError) {
      const reason = (error.details.reason as FailureReason | undefined) ?? 'transient';
      return new ProviderFailure(error.code, error.message, error.details, reason, attempts, { cause: error });
    }
    return new ProviderFailure(
      'provider_failed',
      'The image could not be generated',
      { reason: 'transient' },
      'transient',
      attempts,
      { cause: error },
    );
  }
}

interface Run {
  readonly params: GenerateParams;
  readonly hooks: RouteHooks;
  readonly deadline: Deadline;
  readonly log: AttemptLog;
}
