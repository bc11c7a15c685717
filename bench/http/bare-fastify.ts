/**
 * The ceiling for bench/http: Fastify alone, in its own process like the service, answering the
 * same routes with bodies of the same shape and size and no work behind them. Whatever genledger
 * serves below this rate is the price of auth, validation, the database and the event store.
 */
import Fastify from 'fastify';

const credits = {
  userId: 'user-0001',
  freeRemainingToday: 0,
  freeDailyQuota: 3,
  paidCredits: 999_000,
  reservedCredits: 0,
  monthlySpend: 0,
  monthlyCap: 100000,
  tier: 'premium',
  quotaResetsAt: '2026-11-25T00:00:00.000Z',
};
const generation = {
  id: 'gen_0000000000000000000000',
  status: 'succeeded',
  cached: true,
  tier: 'premium',
  requestedTier: 'premium',
  downgraded: false,
  provider: 'local',
  model: 'local-premium',
  image: {
    url: 'http://127.0.0.1:3000/media/generations/gen_0000000000000000000000.png',
    width: 1024,
    height: 1024,
    mimeType: 'image/png',
  },
  costUsd: 0,
  charge: 'none',
  promptHash: '0'.repeat(64),
  prompt: 'a lighthouse at dawn',
  aspectRatio: '1:1',
  style: null,
  quality: 'standard',
  savedUsd: 0,
  sourceGenerationId: 'gen_0000000000000000000000',
  createdAt: '2026-11-24T12:00:00.000Z',
  credits,
};

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  app.get('/v1/credits', async () => credits);
  app.post('/v1/generations', async (_request, reply) => reply.status(201).send(generation));
  app.get('/health/live', async () => ({ status: 'ok' }));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`bare fastify: ${String(error)}\n`);
  process.exit(1);
});
