import fc from 'fast-check';

/** Header values a client can actually send: visible Latin-1, no CR/LF (fetch refuses the rest). */
const headerChar = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((code) => code !== 0x7f)
  .map((code) => String.fromCharCode(code));
export const headerValue = fc.string({ unit: headerChar, maxLength: 300 });

export const validUserId = fc.stringMatching(/^[A-Za-z0-9._:@-]{1,40}$/);

/**
 * A user an admin URL can name: "." and ".." pass the id pattern, but URL parsing removes them as
 * path segments, so their events cannot be read back.
 */
export const addressableUser = (user: string | undefined): user is string =>
  user !== undefined && /^[A-Za-z0-9._:@-]{1,128}$/.test(user) && !/^\.+$/.test(user);

/** Mostly well-formed ids (so requests reach the handlers), sometimes anything at all. */
export const userIdHeader = fc.option(
  fc.oneof({ weight: 3, arbitrary: validUserId }, { weight: 1, arbitrary: headerValue }),
  { nil: undefined },
);

/** A value of any JSON type, with the odd very long string and numbers written with exponents. */
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ minLength: 1900, maxLength: 2100 }),
  fc.constantFrom(0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER, '', ' ', null, true, [], {}),
);

/** Objects with the route's field names (valid or not), plus strangers; or any JSON at all. */
export function bodyFor(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const known = Object.fromEntries(Object.entries(fields).map(([name, valid]) => [name, fc.oneof(valid, anyJson)]));
  const shaped = fc
    .tuple(
      fc.record(known, { requiredKeys: [] }),
      fc.constantFrom('extra', 'userId', '__proto__', 'constructor'),
      anyJson,
    )
    .map(([object, name, value]) => ({ ...object, [name]: value }));
  return fc.oneof(
    { weight: 4, arbitrary: fc.record(known, { requiredKeys: [] }) },
    { weight: 1, arbitrary: shaped },
    { weight: 1, arbitrary: anyJson },
  );
}

export const generationBody = bodyFor({
  prompt: fc.string({ minLength: 1, maxLength: 60 }),
  aspectRatio: fc.constantFrom('1:1', '16:9', '9:16', '4:3', '3:4', '3:1', '1:3'),
  style: fc.stringMatching(/^[a-z0-9 -]{1,40}$/),
  quality: fc.constantFrom('standard', 'hd'),
  tier: fc.constantFrom('premium', 'standard'),
});

export const selectionBody = bodyFor({
  widthInches: fc.integer({ min: 1, max: 240 }),
  heightInches: fc.integer({ min: 1, max: 240 }),
});
export const grantBody = bodyFor({
  credits: fc.integer({ min: 1, max: 1_000_000 }),
  reason: fc.string({ minLength: 1, maxLength: 200 }),
  externalId: fc.string({ minLength: 1, maxLength: 200 }),
});
export const budgetBody = bodyFor({
  capUsd: fc.double({ min: 0, max: 1e9, noNaN: true }),
  hardCapUsd: fc.option(fc.double({ min: 0, max: 1e9, noNaN: true }), { nil: null }),
});
export const rebuildBody = bodyFor({ verify: fc.boolean() });

/** The raw body as sent: JSON of the value, or (sometimes) text that is not JSON at all. */
export const rawBody = (body: fc.Arbitrary<unknown>): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { weight: 8, arbitrary: body.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

export const contentType = fc.option(
  fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ),
    },
    { weight: 1, arbitrary: headerValue },
  ),
  { nil: undefined },
);

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Date-times shaped like ISO 8601 whose fields may be out of range (month 13, hour 25, year 0). */
export const craftedInstant = fc
  .tuple(
    fc.integer({ min: 0, max: 12_000 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }),
    fc.constantFrom('Z', '+01:00', '-99:99', '+23:59', ''),
  )
  .map(
    ([year, month, day, hour, minute, second, zone]) =>
      `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}${second === undefined ? '' : `:${pad(second)}`}${zone}`,
  );

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url');

/** Cursors that decode (base64url JSON) but need not be what the service issues: `["1","x"]` and kin. */
export const craftedCursor = fc.oneof(
  fc
    .tuple(
      fc.oneof(craftedInstant, fc.string({ maxLength: 30 }), fc.constantFrom('1', '2026-11-25T12:00:00.000Z')),
      fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^gen_[A-Za-z0-9_-]{1,64}$/), fc.constant('x')),
    )
    .map(base64url),
  fc.jsonValue({ maxDepth: 2 }).map(base64url),
  fc.constant(base64url(['1', 'x'])),
);

/** Query strings with the routes' parameter names and others, any values, sometimes malformed. */
export const queryString = fc.oneof(
  fc
    .dictionary(
      fc.constantFrom('limit', 'cursor', 'at', 'from', 'to', 'verify', 'x', 'limit[]', '__proto__'),
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('2026-11-24', '2026-11-24T12:00:00Z', '-1', '0', '101', '1e3', 'NaN', '2026-13-45T25:99Z'),
        craftedInstant,
        craftedCursor,
        craftedInstant.map((instant) => instant.slice(0, 10)),
      ),
      { maxKeys: 4 },
    )
    .map((params) => new URLSearchParams(params).toString()),
  fc.string({ maxLength: 60 }).map((text) => encodeURI(text)),
  fc.constantFrom('%', '%zz', '&&&', '=', 'limit=1&limit=2', 'from=2026-13-45&to=2026-02-30'),
);

/** A path segment: mostly plausible ids, sometimes anything (percent-encoded). */
export const pathSegment = fc.oneof(
  fc.stringMatching(/^gen_[A-Za-z0-9_-]{16}$/),
  validUserId,
  fc.string({ minLength: 1, maxLength: 200 }).map(encodeURIComponent),
  fc.constantFrom('..', '%2e%2e', '%00', 'a%2Fb'),
);

/** Headers the routes read (and some they should ignore), each present or not, any value a client can send. */
export const fuzzedHeaders = fc.record(
  {
    'x-user-id': fc.oneof({ weight: 3, arbitrary: validUserId }, { weight: 1, arbitrary: headerValue }),
    authorization: fc.oneof(
      headerValue,
      headerValue.map((value) => `Bearer ${value}`),
    ),
    'idempotency-key': fc.oneof(headerValue, fc.string({ minLength: 250, maxLength: 400, unit: 'grapheme-ascii' })),
    'x-request-id': headerValue,
    'content-type': headerValue,
    accept: fc.oneof(headerValue, fc.constantFrom('application/json', 'text/html', '*/*')),
    range: fc.oneof(headerValue, fc.constantFrom('bytes=0-10', 'bytes=-5', 'bytes=999999999-', 'bytes=5-1')),
    'if-none-match': headerValue,
    'if-modified-since': fc.oneof(headerValue, craftedInstant),
    'accept-encoding': headerValue,
    cookie: headerValue,
  },
  { requiredKeys: [] },
);
