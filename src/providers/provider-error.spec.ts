import {
  ProviderCallError,
  failureKindForStatus,
  networkFailureOutcome,
  parseRetryAfter,
  redact,
} from './provider-error';

describe('provider errors', () => {
  it.each([
    [429, 'transient'],
    [500, 'transient'],
    [503, 'transient'],
    [408, 'transient'],
    [401, 'misconfigured'],
    [403, 'misconfigured'],
    [404, 'misconfigured'],
    [400, 'rejected'],
    [422, 'rejected'],
  ])('status %i is %s', (status, kind) => {
    expect(failureKindForStatus(status)).toBe(kind);
  });

  it('an error answer says whether the provider worked on the request', () => {
    expect(ProviderCallError.fromStatus('openai', 429, 'slow down', { retryAfterMs: 1_000 })).toMatchObject({
      kind: 'transient',
      outcome: 'not_billed',
      status: 429,
      retryAfterMs: 1_000,
    });
    expect(ProviderCallError.fromStatus('fal', 401, 'bad key')).toMatchObject({
      kind: 'misconfigured',
      outcome: 'not_billed',
    });
    expect(ProviderCallError.fromStatus('fal', 503, 'busy', { requestId: 'r1' })).toMatchObject({
      kind: 'transient',
      outcome: 'unknown',
      requestId: 'r1',
    });
  });

  it('keeps everything but the outcome when a failure is known to come after the work', () => {
    const failure = ProviderCallError.fromStatus('fal', 500, 'result fetch failed').withOutcome('billed', 'job-1');
    expect(failure).toMatchObject({ kind: 'transient', outcome: 'billed', status: 500, requestId: 'job-1' });
    expect(failure.message).toBe('result fetch failed');
  });

  describe('network failures', () => {
    const systemError = (code: string) => Object.assign(new Error(code), { code });
    const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

    it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])(
      '%s: the connection never opened, nothing was sent (not_billed)',
      (code) => expect(networkFailureOutcome(fetchFailed(systemError(code)))).toBe('not_billed'),
    );

    it('reads every address a host had (AggregateError)', () => {
      const both = Object.assign(new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')]), {
        code: 'ECONNREFUSED',
      });
      expect(networkFailureOutcome(new Error('Connection error.', { cause: fetchFailed(both) }))).toBe('not_billed');
    });

    it.each(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'])('%s: the request may have arrived (unknown)', (code) => {
      expect(networkFailureOutcome(fetchFailed(systemError(code)))).toBe('unknown');
    });

    it('an error with no system code is unknown', () => {
      expect(networkFailureOutcome(new Error('Request timed out.'))).toBe('unknown');
      expect(networkFailureOutcome('weird')).toBe('unknown');
    });
  });

  describe('Retry-After', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    it('reads delta-seconds', () => expect(parseRetryAfter('2', now)).toBe(2_000));
    it('reads an HTTP date', () => expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:05 GMT', now)).toBe(5_000));
    it('treats a past date as no wait', () => expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now)).toBe(0));
    it('ignores garbage and absence', () => {
      expect(parseRetryAfter('soon', now)).toBeUndefined();
      expect(parseRetryAfter(null, now)).toBeUndefined();
      expect(parseRetryAfter('', now)).toBeUndefined();
    });
  });

  describe('redact', () => {
    it('removes configured secrets and each half of a fal key', () => {
      const key = 'a1b2c3d4-key-id:s3cr3t-part-xyz';
      const text = redact(`bad key ${key}; id a1b2c3d4-key-id; secret s3cr3t-part-xyz`, [key]);
      expect(text).not.toMatch(/a1b2c3d4-key-id|s3cr3t-part-xyz/);
    });

    it('removes authorization values and OpenAI key echoes', () => {
      const text = redact(
        'Authorization: Bearer abc.def.ghi, Key zzz:yyy; Incorrect API key provided: sk-ab***********yz.',
      );
      expect(text).toBe('Authorization: Bearer [redacted], Key [redacted] Incorrect API key provided: [redacted]');
    });

    it('keeps only the origin and path of URLs', () => {
      expect(redact('GET https://u:p@res.cloudinary.com/x/y.png?signature=abc#frag failed')).toBe(
        'GET https://res.cloudinary.com/x/y.png failed',
      );
      expect(redact('cloudinary://123:secret@demo is wrong')).toBe('cloudinary://demo is wrong');
    });

    it('removes key=value credentials', () => {
      expect(redact('api_key=123456 and "token": "abc"')).toBe('api_key=[redacted] and "token": "[redacted]"');
    });

    it('truncates long messages', () => {
      expect(redact('x'.repeat(1_000)).length).toBeLessThan(310);
    });
  });
});
