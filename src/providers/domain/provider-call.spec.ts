import {
  attemptSpend,
  billedAttempt,
  exposureMicros,
  failedAttempt,
  outcomeForStatus,
  type PlannedAttempt,
} from './provider-call';

const planned = (attempt: number, priceMicros: number): PlannedAttempt => ({
  provider: 'openai',
  model: 'dall-e-3',
  tier: 'premium',
  attempt,
  priceMicros,
});
const error = { code: 'transient', message: 'upstream failed' };

describe('provider calls', () => {
  it.each([
    [400, 'not_billed'],
    [401, 'not_billed'],
    [403, 'not_billed'],
    [422, 'not_billed'],
    [429, 'not_billed'],
    [500, 'unknown'],
    [502, 'unknown'],
    [503, 'unknown'],
    [504, 'unknown'],
  ])('an answer with status %i is %s', (status, outcome) => {
    expect(outcomeForStatus(status)).toBe(outcome);
  });

  it('a failure known to be billed is billed at its price, with its error kept', () => {
    expect(failedAttempt(planned(1, 40_000), 'billed', error, 'req_1')).toEqual({
      ...planned(1, 40_000),
      outcome: 'billed',
      costMicros: 40_000,
      requestId: 'req_1',
      error,
    });
  });

  it('sums billed attempts at cost and unknown ones at price; not billed ones cost nothing', () => {
    const attempts = [
      failedAttempt(planned(1, 80_000), 'unknown', error),
      failedAttempt(planned(2, 80_000), 'not_billed', { ...error, status: 429 }),
      failedAttempt(planned(3, 80_000), 'billed', error),
      billedAttempt({ ...planned(4, 3_000), provider: 'fal', tier: 'standard' }, 3_000, 'fal-1'),
    ];
    expect(attemptSpend(attempts)).toEqual({
      billedMicros: 83_000,
      unknownMicros: 80_000,
      calls: { billed: 2, not_billed: 1, unknown: 1 },
    });
    expect(exposureMicros(attempts)).toBe(163_000);
    expect(attemptSpend([])).toEqual({
      billedMicros: 0,
      unknownMicros: 0,
      calls: { billed: 0, not_billed: 0, unknown: 0 },
    });
  });
});
