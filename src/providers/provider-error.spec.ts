import { failureKindForStatus, parseRetryAfter, redact } from './provider-error';

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
