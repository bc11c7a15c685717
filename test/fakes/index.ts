import { FakeCloudinary, startFakeCloudinary } from './cloudinary-fake';
import { FakeFal, startFakeFal } from './fal-fake';
import { FakeOpenAI, startFakeOpenAI } from './openai-fake';

export { FakeServer, parseMultipart, type Fault, type FaultScope, type RecordedRequest } from './fake-server';
export { FakeImageProvider, type BillEntry, type ImageFault, type WorkFault } from './fake-image-provider';
export { FakeOpenAI, startFakeOpenAI, type FakeOpenAIOptions } from './openai-fake';
export { FakeFal, startFakeFal, type FakeFalOptions, type FalFault } from './fal-fake';
export { FakeCloudinary, startFakeCloudinary, type FakeCloudinaryOptions, type StoredAsset } from './cloudinary-fake';
export { FakeStripe, startFakeStripe, type FakeStripeOptions, type FakeSession } from './stripe-fake';

/** Made-up credentials: the fakes accept exactly these, so a test can also send wrong ones. */
export const FAKE_CREDENTIALS = {
  openaiApiKey: 'sk-genledger-fake-openai-key',
  falKey: 'genledger-fake-key-id:genledger-fake-key-secret',
  cloudinary: { cloudName: 'genledger-fake', apiKey: '614335564976464', apiSecret: 'genledger-fake-api-secret' },
  stripeSecretKey: 'sk_test_genledger_fake_stripe_key',
  stripeWebhookSecret: 'whsec_genledger_fake_webhook_secret',
} as const;

/** The variables that point genledger at the fakes (names as in API.md). */
export interface FakeProviderEnv {
  readonly OPENAI_API_KEY: string;
  readonly OPENAI_BASE_URL: string;
  readonly FAL_KEY: string;
  readonly FAL_BASE_URL: string;
  readonly CLOUDINARY_URL: string;
}

export interface StartAllFakesOptions {
  readonly openaiPort?: number;
  readonly falPort?: number;
  readonly cloudinaryPort?: number;
  readonly latencyMs?: number;
  readonly falQueueDelayMs?: number;
}

export interface AllFakes {
  readonly openai: FakeOpenAI;
  readonly fal: FakeFal;
  readonly cloudinary: FakeCloudinary;
  readonly env: FakeProviderEnv;
  reset(): void;
  close(): Promise<void>;
}

/** Ports default to 0 (any free port); if one fake cannot start, the others are closed again. */
export async function startAllFakes(options: StartAllFakesOptions = {}): Promise<AllFakes> {
  const { cloudName, apiKey, apiSecret } = FAKE_CREDENTIALS.cloudinary;
  const started = await Promise.allSettled([
    startFakeOpenAI({ apiKey: FAKE_CREDENTIALS.openaiApiKey, port: options.openaiPort, latencyMs: options.latencyMs }),
    startFakeFal({
      key: FAKE_CREDENTIALS.falKey,
      port: options.falPort,
      latencyMs: options.latencyMs,
      queueDelayMs: options.falQueueDelayMs,
    }),
    startFakeCloudinary({ cloudName, apiKey, apiSecret, port: options.cloudinaryPort, latencyMs: options.latencyMs }),
  ]);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)));
    throw failure.reason;
  }
  const [openai, fal, cloudinary] = started.map((result) => (result as PromiseFulfilledResult<unknown>).value) as [
    FakeOpenAI,
    FakeFal,
    FakeCloudinary,
  ];
  return {
    openai,
    fal,
    cloudinary,
    env: {
      OPENAI_API_KEY: FAKE_CREDENTIALS.openaiApiKey,
      OPENAI_BASE_URL: `${openai.url}/v1`,
      FAL_KEY: FAKE_CREDENTIALS.falKey,
      FAL_BASE_URL: fal.url,
      CLOUDINARY_URL: `cloudinary://${apiKey}:${apiSecret}@${cloudName}?upload_prefix=${cloudinary.url}`,
    },
    reset() {
      openai.reset();
      fal.reset();
      cloudinary.reset();
    },
    async close() {
      await Promise.all([openai.close(), fal.close(), cloudinary.close()]);
    },
  };
}
