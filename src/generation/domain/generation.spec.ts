import { decider } from '../../../test/support/given-when-then';
import type {
  CacheHit,
  GenerationFailed,
  GenerationRequested,
  GenerationSucceeded,
  ProviderCallRecord,
} from './generation-events';
import { generationDecider, type CompleteGeneration, type GenerationStreamEvent, type SelectPrint } from './generation';

const generation = decider(generationDecider);
const ID = 'gen_1';
const REQUESTED_AT = '2026-11-24T12:00:00.000Z';
const COMPLETED_AT = '2026-11-24T12:00:09.000Z';

const asked = {
  generationId: ID,
  userId: 'alice',
  prompt: 'a lighthouse at dawn',
  aspectRatio: '1:1',
  style: null,
  quality: 'standard',
  requestedTier: 'premium',
  cacheKey: 'key-premium',
} as const;

const image = { url: 'https://media.example/gen_1.png', width: 1024, height: 1024, mimeType: 'image/png' };

function requested(charge: 'free' | 'paid' = 'paid'): GenerationRequested {
  return {
    type: 'GenerationRequested',
    data: {
      ...asked,
      tier: 'premium',
      downgraded: false,
      reservationId: 'res_1',
      charge,
      reservedPriceMicros: 80_000,
      requestedAt: REQUESTED_AT,
    },
  };
}

const servedByOpenAI: ProviderCallRecord = {
  provider: 'openai',
  model: 'dall-e-3',
  tier: 'premium',
  attempt: 1,
  priceMicros: 80_000,
  outcome: 'billed',
  costMicros: 80_000,
  requestId: 'req_1',
};

const delivered = {
  attempts: [servedByOpenAI],
  generationId: ID,
  userId: 'alice',
  provider: 'openai',
  model: 'dall-e-3',
  tier: 'premium',
  fellBack: false,
  cacheKey: 'key-premium',
  image,
  costMicros: 80_000,
  providerRequestId: 'req_1',
  completedAt: COMPLETED_AT,
} as const;

function complete(reservationExpired = false): CompleteGeneration {
  return { type: 'CompleteGeneration', data: { ...delivered, reservationExpired } };
}

function succeeded(charge: 'free' | 'paid' | 'none'): GenerationSucceeded {
  return { type: 'GenerationSucceeded', data: { ...delivered, charge } };
}

function failed(code: string, message = 'the provider refused'): GenerationFailed {
  return {
    type: 'GenerationFailed',
    data: { generationId: ID, userId: 'alice', code, message, provider: null, failedAt: COMPLETED_AT },
  };
}

const cacheHit: CacheHit = {
  type: 'CacheHit',
  data: {
    ...asked,
    sourceGenerationId: 'gen_0',
    tier: 'premium',
    downgraded: false,
    provider: 'openai',
    model: 'dall-e-3',
    image,
    savedMicros: 80_000,
    servedAt: REQUESTED_AT,
  },
};

const printImage = {
  url: 'https://media.example/prints/gen_1/3600x3600.jpg',
  publicId: 'prints/gen_1/3600x3600.jpg',
  bytes: 1000,
  width: 3600,
  height: 3600,
  mimeType: 'image/jpeg',
} as const;

const pdf = {
  url: 'https://media.example/prints/gen_1/3600x3600.pdf',
  publicId: 'prints/gen_1/3600x3600.pdf',
  bytes: 2000,
  widthInches: 24,
  heightInches: 24,
  pages: 1,
} as const;

const SELECTED_AT = '2026-11-24T13:00:00.000Z';

function selectPrint(width = 3600): SelectPrint {
  return {
    type: 'SelectPrint',
    data: {
      generationId: ID,
      userId: 'alice',
      widthInches: width / 150,
      heightInches: 24,
      dpi: 150,
      printImage: { ...printImage, width },
      pdf: { ...pdf, widthInches: width / 150 },
      selectedAt: SELECTED_AT,
    },
  };
}

function printed(width = 3600): GenerationStreamEvent[] {
  const common = { generationId: ID, userId: 'alice', widthInches: width / 150, heightInches: 24, dpi: 150 };
  return [
    { type: 'ImageSelected', data: { ...common, selectedAt: SELECTED_AT } },
    {
      type: 'PrintAssetsProduced',
      data: {
        ...common,
        printImage: { ...printImage, width },
        pdf: { ...pdf, widthInches: width / 150 },
        producedAt: SELECTED_AT,
      },
    },
  ];
}

describe('generation decider', () => {
  describe('request', () => {
    it('records the reserved request of a new generation', () => {
      generation.given([]).when({ type: 'RequestGeneration', data: requested().data }).then([requested()]);
    });

    it('refuses a second request on the same generation', () => {
      generation
        .given([requested()])
        .when({ type: 'RequestGeneration', data: requested().data })
        .thenThrows('invalid_state', /already requested/);
    });
  });

  describe('success', () => {
    it('charges what was reserved: paid credits', () => {
      generation
        .given([requested('paid')])
        .when(complete())
        .then([succeeded('paid')]);
    });

    it('charges what was reserved: a free unit', () => {
      generation
        .given([requested('free')])
        .when(complete())
        .then([succeeded('free')]);
    });

    it('cannot complete a generation never requested', () => {
      generation
        .given([])
        .when(complete())
        .thenThrows('invalid_state', /unrequested/);
    });

    it('cannot complete a generation twice', () => {
      generation
        .given([requested(), succeeded('paid')])
        .when(complete())
        .thenThrows('invalid_state', /succeeded/);
    });
  });

  describe('failure', () => {
    it('records why a pending generation failed', () => {
      generation
        .given([requested()])
        .when({ type: 'FailGeneration', data: failed('provider_failed').data })
        .then([failed('provider_failed')]);
    });

    it('leaves a generation the expiry job already closed as it is', () => {
      generation
        .given([requested(), failed('reservation_expired')])
        .when({ type: 'FailGeneration', data: failed('provider_failed').data })
        .then([]);
    });

    it('leaves a succeeded generation as it is (the expiry job came after the outcome)', () => {
      generation
        .given([requested(), succeeded('paid')])
        .when({ type: 'FailGeneration', data: failed('reservation_expired').data })
        .then([]);
    });

    it('has nothing to close on a cache hit', () => {
      generation
        .given([cacheHit])
        .when({ type: 'FailGeneration', data: failed('reservation_expired').data })
        .then([]);
    });
  });

  describe('provider calls', () => {
    const premiumDown = [1, 2].map(
      (attempt): ProviderCallRecord => ({
        provider: 'openai',
        model: 'dall-e-3',
        tier: 'premium',
        attempt,
        priceMicros: 80_000,
        outcome: 'unknown',
        error: { code: 'transient', message: 'status 503', status: 503 },
      }),
    );
    const servedByFal: ProviderCallRecord = {
      provider: 'fal',
      model: 'fal-ai/flux/schnell',
      tier: 'standard',
      attempt: 3,
      priceMicros: 3_000,
      outcome: 'billed',
      costMicros: 3_000,
      requestId: 'job_1',
    };
    const fellBack = {
      ...delivered,
      provider: 'fal',
      model: 'fal-ai/flux/schnell',
      tier: 'standard',
      fellBack: true,
      costMicros: 3_000,
      attempts: [...premiumDown, servedByFal],
    } as const;

    it('records every call with the success: Premium’s before the fallback and the one that served', () => {
      generation
        .given([requested()])
        .when({ type: 'CompleteGeneration', data: { ...fellBack, reservationExpired: false } })
        .then([{ type: 'GenerationSucceeded', data: { ...fellBack, charge: 'paid' } }]);
    });

    it('records the calls of a failed generation, an image billed but never stored included', () => {
      const billedNotStored: GenerationFailed = {
        type: 'GenerationFailed',
        data: { ...failed('provider_failed', 'the image could not be stored').data, attempts: [servedByOpenAI] },
      };
      generation
        .given([requested()])
        .when({ type: 'FailGeneration', data: billedNotStored.data })
        .then([billedNotStored]);
    });

    it('records the calls of a late success after the expiry job closed the generation', () => {
      generation
        .given([requested(), failed('reservation_expired')])
        .when({ type: 'CompleteGeneration', data: { ...fellBack, reservationExpired: false } })
        .then([{ type: 'GenerationSucceeded', data: { ...fellBack, charge: 'none' } }]);
    });

    describe('older events recorded no calls, and still fold', () => {
      const { attempts: _none, ...olderDelivery } = delivered;
      const olderSuccess: GenerationSucceeded = {
        type: 'GenerationSucceeded',
        data: { ...olderDelivery, charge: 'paid' },
      };

      it('a success without calls is succeeded: it cannot complete again, and a failure changes nothing', () => {
        generation
          .given([requested(), olderSuccess])
          .when(complete())
          .thenThrows('invalid_state', /succeeded/);
        generation
          .given([requested(), olderSuccess])
          .when({ type: 'FailGeneration', data: failed('reservation_expired').data })
          .then([]);
      });

      it('a success without calls can be selected', () => {
        generation.given([requested(), olderSuccess]).when(selectPrint()).then(printed());
      });

      it('a failure without calls still takes a late success, charging nothing', () => {
        generation
          .given([requested(), failed('provider_failed')])
          .when(complete())
          .then([succeeded('none')]);
      });
    });
  });

  describe('late success after the reservation expired', () => {
    it('completes a generation the expiry job closed as failed, charging nothing', () => {
      generation
        .given([requested(), failed('reservation_expired')])
        .when(complete())
        .then([succeeded('none')]);
    });

    it('charges nothing when settling found the reservation released before the generation was closed', () => {
      generation
        .given([requested('paid')])
        .when(complete(true))
        .then([succeeded('none')]);
    });

    it('a late success stands: a later failure changes nothing', () => {
      generation
        .given([requested(), failed('reservation_expired'), succeeded('none')])
        .when({ type: 'FailGeneration', data: failed('provider_failed').data })
        .then([]);
    });
  });

  describe('cache hit', () => {
    it('records a new generation served from the cache', () => {
      generation.given([]).when({ type: 'RecordCacheHit', data: cacheHit.data }).then([cacheHit]);
    });

    it('refuses a cache hit on a generation already requested', () => {
      generation
        .given([requested()])
        .when({ type: 'RecordCacheHit', data: cacheHit.data })
        .thenThrows('invalid_state', /already requested/);
    });

    it('cannot complete a cache hit', () => {
      generation.given([cacheHit]).when(complete()).thenThrows('invalid_state');
    });
  });

  describe('print selection', () => {
    it('records the selection and its assets for a succeeded generation', () => {
      generation
        .given([requested(), succeeded('paid')])
        .when(selectPrint())
        .then(printed());
    });

    it('selects a cache hit like any succeeded generation', () => {
      generation.given([cacheHit]).when(selectPrint()).then(printed());
    });

    it('a late success can be selected', () => {
      generation
        .given([requested(), failed('reservation_expired'), succeeded('none')])
        .when(selectPrint())
        .then(printed());
    });

    it('records nothing new for a size already produced', () => {
      generation
        .given([cacheHit, ...printed()])
        .when(selectPrint())
        .then([]);
    });

    it('records another size', () => {
      generation
        .given([cacheHit, ...printed()])
        .when(selectPrint(1800))
        .then(printed(1800));
    });

    it('refuses a pending or failed generation', () => {
      generation
        .given([requested()])
        .when(selectPrint())
        .thenThrows('invalid_state', /is pending/);
      generation
        .given([requested(), failed('provider_failed')])
        .when(selectPrint())
        .thenThrows('invalid_state', /only a succeeded generation can be selected/);
    });
  });
});
