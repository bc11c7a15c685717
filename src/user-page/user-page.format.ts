/**
 * Part of the user page's browser script (see user-page.client.ts): self-contained, since it is
 * served as its source text and nothing from this module's scope exists in the browser.
 */
export function userPageFormat(timeZone?: string) {
  const dollars = (value: number, digits: number): string =>
    new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(value);
  /** A price: cents, or a tenth of a cent below ten cents (a Standard image costs $0.003). */
  const usd = (value: number): string => dollars(value, value !== 0 && Math.abs(value) < 0.1 ? 3 : 2);
  /** "$0.00 / $100": the month's spend against the cap, the cap without cents when it has none. */
  const spendOfCap = (spend: number, cap: number): string =>
    dollars(spend, 2) + ' / ' + dollars(cap, Number.isInteger(cap) ? 0 : 2);
  const localTime = new Intl.DateTimeFormat('en-US', {
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  });
  const utcTime = new Intl.DateTimeFormat('en-US', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
  });
  /** When the free quota comes back, in the reader's time and in UTC. */
  const resetTime = (iso: string): string => {
    const at = new Date(iso);
    return localTime.format(at) + ' your time (' + utcTime.format(at) + ' UTC)';
  };
  const plural = (count: number, one: string, many: string): string => count + ' ' + (count === 1 ? one : many);

  interface Credits {
    freeRemainingToday: number;
    freeDailyQuota: number;
    paidCredits: number;
    quotaResetsAt: string;
  }
  const NOTHING_CHARGED = 'Nothing was charged.';

  /** A problem answer as a sentence for the person at the page (API.md error codes). */
  const problemMessage = (
    status: number,
    problem: { code?: string; detail?: string },
    retryAfterSeconds: number | null,
    credits: Credits | null,
    canBuy: boolean,
  ): string => {
    const detail = problem.detail ? ' (' + problem.detail + ')' : '';
    const retry =
      retryAfterSeconds === null
        ? ''
        : ' Try again in ' + plural(Math.max(1, Math.ceil(retryAfterSeconds)), 'second', 'seconds') + '.';
    const buy = canBuy
      ? ' Buy credits to keep going today.'
      : ' Paid credits are added by the operator of this service.';
    switch (problem.code ?? '') {
      case 'insufficient_credits':
        if (credits && credits.freeRemainingToday === 0)
          return (
            'Your ' +
            plural(credits.freeDailyQuota, 'free image', 'free images') +
            ' for today are used up. They come back ' +
            resetTime(credits.quotaResetsAt) +
            '. ' +
            NOTHING_CHARGED +
            buy
          );
        return 'Not enough credits for this image' + detail + '. ' + NOTHING_CHARGED + buy;
      case 'rate_limited':
        return 'Too many requests in a minute.' + (retry || ' Try again in a minute.') + ' ' + NOTHING_CHARGED;
      case 'provider_failed':
        return 'The image provider failed' + detail + '. ' + NOTHING_CHARGED + ' Try again.';
      case 'provider_unavailable':
        return (
          'The image providers are unavailable right now. ' +
          NOTHING_CHARGED +
          (retry || ' Try again in a few minutes.')
        );
      case 'budget_exhausted':
        return "This month's image budget is used up. " + NOTHING_CHARGED + ' New images are possible next month.';
      case 'not_ready':
        return (
          'The service is not ready (its database is not answering). ' +
          NOTHING_CHARGED +
          (retry || ' Try again shortly.')
        );
      case 'print_busy':
        return 'The print renderer is busy with other work.' + (retry || ' Try again shortly.');
      case 'print_sizes_exhausted':
        return 'This image has all the print sizes it may have' + detail + '. Choose one of its sizes.';
      case 'validation_failed':
        return 'Please check the form' + detail + '.';
      default: {
        const what = status + (problem.detail ? ': ' + problem.detail : '');
        if (status >= 500) return 'The service failed (' + what + '). ' + NOTHING_CHARGED + retry;
        return 'The request was refused (' + what + ').' + retry;
      }
    }
  };
  return { usd, spendOfCap, resetTime, plural, problemMessage };
}

export type UserPageFormat = ReturnType<typeof userPageFormat>;
