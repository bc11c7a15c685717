import { parseConfig } from '../config/app-config';
import { GetPageSettingsHandler } from './get-page-settings.query';

const settingsFor = (env: Record<string, string>) =>
  new GetPageSettingsHandler(parseConfig({ DATA_DIR: '/tmp/unused', ...env })).execute();

describe('what the user page is told of the configuration', () => {
  it('dev auth, with images from local media at PUBLIC_BASE_URL (or the bind address)', async () => {
    await expect(settingsFor({})).resolves.toEqual({
      auth: 'dev',
      imageOrigins: ['http://127.0.0.1:3000'],
      defaultTier: 'premium',
      purchases: false,
    });
    await expect(
      settingsFor({ PUBLIC_BASE_URL: 'https://images.example.com/base/', DEFAULT_TIER: 'standard' }),
    ).resolves.toMatchObject({ auth: 'dev', imageOrigins: ['https://images.example.com'], defaultTier: 'standard' });
  });

  it("JWT mode, with images from Cloudinary's delivery host and an upload_prefix endpoint", async () => {
    const settings = await settingsFor({
      AUTH_JWT_SECRET: 'a-secret-of-at-least-32-characters-long',
      CLOUDINARY_URL: 'cloudinary://key:secret@cloud?upload_prefix=http://127.0.0.1:4100',
    });
    expect(settings).toMatchObject({
      auth: 'jwt',
      imageOrigins: ['https://res.cloudinary.com', 'http://127.0.0.1:4100'],
    });
    const plain = await settingsFor({ CLOUDINARY_URL: 'cloudinary://key:secret@cloud' });
    expect(plain.imageOrigins).toEqual(['https://res.cloudinary.com']);
  });

  it('purchases are on only with a Stripe key (checkout answers 503 purchases_disabled without one)', async () => {
    const selling = await settingsFor({
      STRIPE_SECRET_KEY: 'sk_test_0123456789',
      STRIPE_WEBHOOK_SECRET: 'whsec_0123456789',
    });
    expect(selling.purchases).toBe(true);
    expect((await settingsFor({ CREDIT_PACKS: '10:5.00' })).purchases).toBe(false);
  });
});
