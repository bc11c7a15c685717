import { FAKE_CREDENTIALS, startAllFakes, startFakeStripe } from './index';

const DEFAULT_PORTS = { openai: 4010, fal: 4011, cloudinary: 4012, stripe: 4013 } as const;

/** `--openai-port 4010` and `--openai-port=4010` both work; flags win over the environment. */
function setting(flag: string, envName: string, fallback: number): number {
  const args = process.argv.slice(2);
  const inline = args.find((arg) => arg.startsWith(`--${flag}=`))?.split('=')[1];
  const index = args.indexOf(`--${flag}`);
  const raw = inline ?? (index >= 0 ? args[index + 1] : undefined) ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`--${flag} / ${envName} must be a whole number from 0 to 65535, got "${raw}"`);
  }
  return value;
}

async function main(): Promise<void> {
  const fakes = await startAllFakes({
    openaiPort: setting('openai-port', 'FAKE_OPENAI_PORT', DEFAULT_PORTS.openai),
    falPort: setting('fal-port', 'FAKE_FAL_PORT', DEFAULT_PORTS.fal),
    cloudinaryPort: setting('cloudinary-port', 'FAKE_CLOUDINARY_PORT', DEFAULT_PORTS.cloudinary),
    latencyMs: setting('latency-ms', 'FAKE_LATENCY_MS', 0),
    falQueueDelayMs: setting('fal-queue-delay-ms', 'FAKE_FAL_QUEUE_DELAY_MS', 0),
  });
  const webhookUrl =
    process.argv.find((arg) => arg.startsWith('--webhook-url='))?.split('=')[1] ??
    process.env.FAKE_STRIPE_WEBHOOK_URL ??
    'http://127.0.0.1:3000/v1/webhooks/stripe';
  const stripe = await startFakeStripe({
    secretKey: FAKE_CREDENTIALS.stripeSecretKey,
    webhookSecret: FAKE_CREDENTIALS.stripeWebhookSecret,
    port: setting('stripe-port', 'FAKE_STRIPE_PORT', DEFAULT_PORTS.stripe),
    webhookUrl,
  });
  const stripeEnv = {
    STRIPE_SECRET_KEY: FAKE_CREDENTIALS.stripeSecretKey,
    STRIPE_WEBHOOK_SECRET: FAKE_CREDENTIALS.stripeWebhookSecret,
    STRIPE_API_BASE: stripe.url,
  };
  const lines = [
    '# Fake OpenAI, fal.ai, Cloudinary and Stripe servers for genledger, on loopback only.',
    "# They speak the providers' wire formats, accept only the credentials below, draw solid-colour",
    '# images of the requested size, and keep everything in memory until they stop (Ctrl-C).',
    '# Point genledger at them by running these lines in the shell that starts it:',
    ...Object.entries({ ...fakes.env, ...stripeEnv }).map(([name, value]) => `export ${name}='${value}'`),
    `# OpenAI ${fakes.openai.url}   fal ${fakes.fal.url}   Cloudinary ${fakes.cloudinary.url}   Stripe ${stripe.url}`,
    `# Buying credits: open the checkoutUrl that POST /v1/credits/checkout answers; the fake Stripe marks`,
    `# the session paid and sends the signed checkout.session.completed to ${webhookUrl}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = (signal: NodeJS.Signals): void => {
    process.stdout.write(`# ${signal}: stopping the fakes\n`);
    Promise.all([fakes.close(), stripe.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fakes: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
