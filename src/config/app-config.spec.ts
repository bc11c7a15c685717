import { ConfigError, parseConfig } from './app-config';

describe('parseConfig', () => {
  it('has the documented defaults when nothing is set', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      databasePoolSize: 10,
      freeDailyQuota: 3,
      creditsPerPremium: 1,
      creditsPerStandard: 1,
      defaultTier: 'premium',
      budgetMonthlyCapMicros: 100_000_000,
      budgetHardCapMicros: undefined,
      rateLimitPerMinute: 30,
      reservationTimeoutSeconds: 120,
      providerDeadlineSeconds: 90,
      auth: { mode: 'dev', allowInsecure: false },
      openai: { imageModel: 'dall-e-3' },
      fal: { imageModel: 'fal-ai/flux/schnell' },
      publicBaseUrl: 'http://127.0.0.1:3000',
    });
    expect(config.dataDir).toMatch(/data$/);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['BUDGET_MONTHLY_CAP_USD', '-5'],
    ['BUDGET_MONTHLY_CAP_USD', 'lots'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['FREE_DAILY_QUOTA', '2.5'],
    ['DEFAULT_TIER', 'gold'],
    ['OPENAI_IMAGE_MODEL', 'dall-e-2'],
    ['ALLOW_INSECURE_DEV_AUTH', 'maybe'],
    ['CLOUDINARY_URL', 'https://example.com'],
    ['RESERVATION_TIMEOUT_SECONDS', '0'],
    ['PROVIDER_DEADLINE_SECONDS', '0'],
    ['PROVIDER_DEADLINE_SECONDS', '3601'],
    ['PROVIDER_DEADLINE_SECONDS', '1.5'],
    ['LOG_LEVEL', 'loud'],
    ['AUTH_JWT_MAX_AGE_SECONDS', '0'],
    ['AUTH_JWT_MAX_AGE_SECONDS', 'a day'],
    ['IDEMPOTENCY_RETENTION_HOURS', '0'],
    ['IDEMPOTENCY_RETENTION_HOURS', '1.5'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', 'ten'],
    ['PRINT_CONCURRENCY', '0'],
    ['PRINT_QUEUE_LENGTH', '-1'],
    ['PRINT_RATE_LIMIT_PER_MINUTE', '0'],
    ['PRINT_SIZES_PER_GENERATION', '0'],
    ['UV_THREADPOOL_SIZE', '1025'],
    ['CREDIT_PACKS', '10'],
    ['CREDIT_PACKS', '10:5.001'],
    ['CREDIT_PACKS', '0:5.00'],
    ['CREDIT_PACKS', '10:0'],
    ['CREDIT_PACKS', '10:5.00,10:6.00'],
    ['CREDIT_PACKS', '10:5.00,,50:20.00'],
    ['CREDIT_CURRENCY', 'dollars'],
    ['STRIPE_SECRET_KEY', 'pk_test_123456'],
    ['STRIPE_WEBHOOK_SECRET', 'secret_123456'],
    ['STRIPE_API_BASE', 'ftp://127.0.0.1:12111'],
    ['STRIPE_API_BASE', 'http://127.0.0.1:12111/v1'],
    ['CHECKOUT_SUCCESS_URL', 'not a url'],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} must be`));
  });

  it('never echoes secrets in its messages', () => {
    expect(() => parseConfig({ AUTH_JWT_SECRET: 'short-secret' })).toThrow(/AUTH_JWT_SECRET/);
    expect(() => parseConfig({ AUTH_JWT_SECRET: 'short-secret' })).not.toThrow(/short-secret/);
    expect(() => parseConfig({ DATABASE_URL: 'bogus://user:hunter2@db' })).not.toThrow(/hunter2/);
  });

  it('refuses dev auth on a non-loopback host unless explicitly allowed, and then only with an admin token', () => {
    expect(() => parseConfig({ HOST: '0.0.0.0' })).toThrow(/HOST must be a loopback address in dev auth mode/);
    const open = () => parseConfig({ HOST: '0.0.0.0', ALLOW_INSECURE_DEV_AUTH: 'true' });
    expect(open).toThrow(ConfigError);
    expect(open).toThrow(
      /^Invalid configuration: ADMIN_TOKEN must be set when dev auth listens on a non-loopback HOST/,
    );
    const admin = 'a'.repeat(16);
    expect(parseConfig({ HOST: '0.0.0.0', ALLOW_INSECURE_DEV_AUTH: 'true', ADMIN_TOKEN: admin }).host).toBe('0.0.0.0');
    expect(parseConfig({ HOST: 'localhost', ALLOW_INSECURE_DEV_AUTH: 'true' }).adminToken).toBeUndefined();
    expect(parseConfig({ HOST: '0.0.0.0', AUTH_JWT_SECRET: 'x'.repeat(32) }).auth.mode).toBe('jwt');
  });

  it('in JWKS mode requires the issuer and the audience, naming those missing', () => {
    const jwks = { AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json' };
    expect(() => parseConfig(jwks)).toThrow(
      /^Invalid configuration: AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE must be set/,
    );
    expect(() => parseConfig({ ...jwks, AUTH_JWT_ISSUER: 'https://idp.example/' })).toThrow(
      /^Invalid configuration: AUTH_JWT_AUDIENCE must be set/,
    );
    expect(() => parseConfig({ ...jwks, AUTH_JWT_AUDIENCE: 'genledger' })).toThrow(
      /^Invalid configuration: AUTH_JWT_ISSUER must be set/,
    );
    expect(
      parseConfig({ ...jwks, AUTH_JWT_ISSUER: 'https://idp.example/', AUTH_JWT_AUDIENCE: 'genledger' }).auth,
    ).toEqual({
      mode: 'jwt',
      secret: undefined,
      jwksUrl: jwks.AUTH_JWKS_URL,
      issuer: 'https://idp.example/',
      audience: 'genledger',
      maxAgeSeconds: 86_400,
    });
  });

  it('reads the token lifetime cap, the idempotency retention and the metrics token', () => {
    const config = parseConfig({
      AUTH_JWT_SECRET: 'x'.repeat(32),
      AUTH_JWT_MAX_AGE_SECONDS: '3600',
      IDEMPOTENCY_RETENTION_HOURS: '72',
      METRICS_TOKEN: 'm'.repeat(16),
    });
    expect(config.auth).toMatchObject({ mode: 'jwt', maxAgeSeconds: 3600 });
    expect(config).toMatchObject({ idempotencyRetentionHours: 72, metricsToken: 'm'.repeat(16) });
    expect(parseConfig({})).toMatchObject({ idempotencyRetentionHours: 48, metricsToken: undefined });
    expect(() => parseConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
    expect(() => parseConfig({ METRICS_TOKEN: 'short' })).not.toThrow(/short"/);
  });

  it('keeps money in integer micro-dollars and checks the hard cap against the soft cap', () => {
    expect(parseConfig({ BUDGET_MONTHLY_CAP_USD: '0.000001' }).budgetMonthlyCapMicros).toBe(1);
    expect(parseConfig({ BUDGET_MONTHLY_CAP_USD: '150', BUDGET_HARD_CAP_USD: '200' }).budgetHardCapMicros).toBe(
      200_000_000,
    );
    expect(() => parseConfig({ BUDGET_MONTHLY_CAP_USD: '150', BUDGET_HARD_CAP_USD: '100' })).toThrow(
      /BUDGET_HARD_CAP_USD/,
    );
    expect(() => parseConfig({ BUDGET_MONTHLY_CAP_USD: '1.0000001' })).toThrow(/BUDGET_MONTHLY_CAP_USD/);
  });

  it('refuses a reservation that could expire while its provider call still runs', () => {
    expect(parseConfig({ PROVIDER_DEADLINE_SECONDS: '5', RESERVATION_TIMEOUT_SECONDS: '20' })).toMatchObject({
      providerDeadlineSeconds: 5,
      reservationTimeoutSeconds: 20,
    });
    expect(parseConfig({ PROVIDER_DEADLINE_SECONDS: '105' }).reservationTimeoutSeconds).toBe(120);
    const tooShort = () => parseConfig({ PROVIDER_DEADLINE_SECONDS: '5', RESERVATION_TIMEOUT_SECONDS: '19' });
    expect(tooShort).toThrow(ConfigError);
    expect(tooShort).toThrow(
      /^Invalid configuration: RESERVATION_TIMEOUT_SECONDS must be at least PROVIDER_DEADLINE_SECONDS \(5\) \+ 15 = 20 seconds.*\(got "19"\)$/,
    );
    expect(() => parseConfig({ RESERVATION_TIMEOUT_SECONDS: '60' })).toThrow(/PROVIDER_DEADLINE_SECONDS \(90\)/);
    expect(() => parseConfig({ PROVIDER_DEADLINE_SECONDS: '106' })).toThrow(/got "120"/);
  });

  it('bounds print work by default, and sizes the thread pool so renders leave threads for file reads', () => {
    expect(parseConfig({}).print).toEqual({
      maxPixels: 600_000_000,
      concurrency: 1,
      queueLength: 2,
      perUserPerMinute: 5,
      sizesPerGeneration: 5,
      threadPoolSize: 5,
    });
    expect(parseConfig({ PRINT_CONCURRENCY: '3' }).print.threadPoolSize).toBe(7);
    expect(parseConfig({ PRINT_CONCURRENCY: '3', UV_THREADPOOL_SIZE: '5' }).print.threadPoolSize).toBe(5);
    const crowded = () => parseConfig({ PRINT_CONCURRENCY: '3', UV_THREADPOOL_SIZE: '4' });
    expect(crowded).toThrow(ConfigError);
    expect(crowded).toThrow(/^Invalid configuration: UV_THREADPOOL_SIZE must be at least PRINT_CONCURRENCY \(3\) \+ 2/);
  });

  it('alerts: thresholds sorted, a signing secret in whsec_ form, required with a webhook URL', () => {
    expect(parseConfig({}).alerts).toMatchObject({
      webhookUrl: undefined,
      thresholdPercents: [50, 80, 100],
      maxAttempts: 10,
      forecastMinDays: 3,
    });
    expect(parseConfig({ ALERT_THRESHOLDS: '90, 25,60' }).alerts.thresholdPercents).toEqual([25, 60, 90]);
    expect(() => parseConfig({ ALERT_THRESHOLDS: '50,50' })).toThrow(/^Invalid configuration: ALERT_THRESHOLDS/);
    expect(() => parseConfig({ ALERT_THRESHOLDS: '50%' })).toThrow(/ALERT_THRESHOLDS must be a comma-separated/);
    const secret = `whsec_${Buffer.from('sixteen byte key').toString('base64')}`;
    const target = { ALERT_WEBHOOK_URL: 'https://hooks.example.com/alerts' };
    expect(parseConfig({ ...target, ALERT_WEBHOOK_SECRET: secret }).alerts.webhookSecret).toBe(secret);
    expect(() => parseConfig(target)).toThrow(/ALERT_WEBHOOK_SECRET must be set whenever ALERT_WEBHOOK_URL is/);
    const plain = () => parseConfig({ ...target, ALERT_WEBHOOK_SECRET: 'not-a-whsec-secret' });
    expect(plain).toThrow(/ALERT_WEBHOOK_SECRET must be whsec_.*\(got "<redacted>"\)$/);
  });

  it('reads credit packs as integer money, named or by their credit count, and purchases off by default', () => {
    const { purchases } = parseConfig({ PUBLIC_BASE_URL: 'https://shop.example' });
    expect(purchases).toEqual({
      packs: [
        { id: '10', credits: 10, priceMicros: 5_000_000 },
        { id: '50', credits: 50, priceMicros: 20_000_000 },
      ],
      currency: 'usd',
      stripeSecretKey: undefined,
      stripeWebhookSecret: undefined,
      stripeApiBase: undefined,
      successUrl: 'https://shop.example/?checkout=success&session_id={CHECKOUT_SESSION_ID}',
      cancelUrl: 'https://shop.example/?checkout=cancelled',
    });
    const named = parseConfig({ CREDIT_PACKS: 'starter=5:2.5, 1000:99.99', CREDIT_CURRENCY: 'EUR' }).purchases;
    expect(named.packs).toEqual([
      { id: 'starter', credits: 5, priceMicros: 2_500_000 },
      { id: '1000', credits: 1000, priceMicros: 99_990_000 },
    ]);
    expect(named.currency).toBe('eur');
  });

  it('needs the webhook secret with the Stripe key, and never echoes either', () => {
    const key = 'sk_test_' + 'k'.repeat(24);
    expect(() => parseConfig({ STRIPE_SECRET_KEY: key })).toThrow(
      /^Invalid configuration: STRIPE_WEBHOOK_SECRET must be set/,
    );
    expect(() => parseConfig({ STRIPE_SECRET_KEY: 'pk_live_' + 'x'.repeat(20) })).not.toThrow(/xxxx/);
    const stripe = parseConfig({
      STRIPE_SECRET_KEY: key,
      STRIPE_WEBHOOK_SECRET: 'whsec_abcdefgh',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
    }).purchases;
    expect(stripe).toMatchObject({ stripeSecretKey: key, stripeApiBase: 'http://127.0.0.1:12111' });
  });
});
