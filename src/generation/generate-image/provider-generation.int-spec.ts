import { QueryBus } from '@nestjs/cqrs';
import { GetCreditStatus } from '../../billing/read-models/account-balances/get-credit-status.query';
import { startTestApp, type TestApp } from '../../../test/support/test-app';
import { CachedMeanwhile } from './commit-with';
import { GenerateImage, imageRequest } from './generate-image.command';
import { PromptCacheLookup } from './prompt-cache-lookup';
import { ProviderGeneration } from './provider-generation';

describe('a cache miss whose image another flight cached meanwhile', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());
  const eventCount = async () =>
    Number((await t.database.query<{ n: string }>('SELECT count(*) AS n FROM events'))[0].n);

  it('is found in the reservation’s transaction: nothing is reserved or recorded, the entry answers', async () => {
    const prompt = 'a paper boat on a puddle';
    const first = await t.request('/v1/generations', { method: 'POST', user: 'raced', json: { prompt } });
    expect(first.status).toBe(201);
    const request = imageRequest(new GenerateImage('raced', { prompt }, undefined, 'req-raced'), 'premium');
    const keys = [t.app.get(PromptCacheLookup).keyFor('premium', request.params)];
    const before = await t.app.get(QueryBus).execute(new GetCreditStatus('raced'));
    const eventsBefore = await eventCount();

    const outcome = await t.app
      .get(ProviderGeneration)
      .generate(request, { unlessCached: keys })
      .catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(CachedMeanwhile);
    expect((outcome as CachedMeanwhile).entry).toMatchObject({ cache_key: keys[0], generation_id: first.body.id });
    expect(await t.app.get(QueryBus).execute(new GetCreditStatus('raced'))).toEqual(before);
    expect(await eventCount()).toBe(eventsBefore);
  });
});
