import { DomainError } from '../../common/domain-error';
import type {
  CacheHit,
  Charge,
  GenerationEvent,
  GenerationFailed,
  GenerationRequested,
  GenerationSucceeded,
  ProviderCallRecord,
  ProviderCallStarted,
} from './generation-events';
import type { PrintAssetsProduced, SelectionEvent } from './selection-events';

/** Everything recorded on a generation's stream: its outcome, then any print selections. */
export type GenerationStreamEvent = GenerationEvent | SelectionEvent;

export type RequestGeneration = { readonly type: 'RequestGeneration'; readonly data: GenerationRequested['data'] };

export type RecordCacheHit = { readonly type: 'RecordCacheHit'; readonly data: CacheHit['data'] };

/**
 * The provider delivered and the image is stored. `reservationExpired`: settling found the
 * reservation already released by the expiry job, so the image is the user's for nothing.
 * `attempts`: every provider call the generation made, recorded with its outcome.
 */
export type CompleteGeneration = {
  readonly type: 'CompleteGeneration';
  readonly data: Omit<GenerationSucceeded['data'], 'charge' | 'attempts'> & {
    readonly reservationExpired: boolean;
    readonly attempts: readonly ProviderCallRecord[];
  };
};

export type StartProviderCall = { readonly type: 'StartProviderCall'; readonly data: ProviderCallStarted['data'] };

export type FailGeneration = { readonly type: 'FailGeneration'; readonly data: GenerationFailed['data'] };

/** A succeeded generation's print assets at one size, already produced and stored. */
export type SelectPrint = {
  readonly type: 'SelectPrint';
  readonly data: Omit<PrintAssetsProduced['data'], 'producedAt'> & { readonly selectedAt: string };
};

export type GenerationCommand =
  | RequestGeneration
  | RecordCacheHit
  | StartProviderCall
  | CompleteGeneration
  | FailGeneration
  | SelectPrint;

export type GenerationState =
  | { readonly status: 'unrequested' }
  | { readonly status: 'pending'; readonly charge: Exclude<Charge, 'none'> }
  | { readonly status: 'failed' }
  /** `prints`: the pixel sizes (`{width}x{height}`) whose print assets exist. */
  | { readonly status: 'succeeded'; readonly prints: readonly string[] };

export function initialState(): GenerationState {
  return { status: 'unrequested' };
}

/**
 * The generation stream's rules (`generation-{id}`). A generation is requested once (a reserved
 * provider call) or served from the cache once. It ends failed or succeeded; a failure after
 * another outcome changes nothing, while an image that arrives after the generation failed still
 * completes it (the provider was paid; the user, whose reservation was released, is not charged).
 */
export function decide(command: GenerationCommand, state: GenerationState): readonly GenerationStreamEvent[] {
  switch (command.type) {
    case 'RequestGeneration':
      requireUnrequested(state, command.data.generationId);
      return [{ type: 'GenerationRequested', data: command.data }];
    case 'RecordCacheHit':
      requireUnrequested(state, command.data.generationId);
      return [{ type: 'CacheHit', data: command.data }];
    case 'StartProviderCall':
      // A call starts only while the generation waits for its image (its reservation still open).
      if (state.status !== 'pending') {
        throw new DomainError(
          'invalid_state',
          `Generation ${command.data.generationId} is ${state.status}: no provider call can start`,
        );
      }
      return [{ type: 'ProviderCallStarted', data: command.data }];
    case 'CompleteGeneration':
      return complete(command.data, state);
    case 'FailGeneration':
      return state.status === 'pending' ? [{ type: 'GenerationFailed', data: command.data }] : [];
    case 'SelectPrint':
      return selectPrint(command.data, state);
    default: {
      const unreachable: never = command;
      throw new Error(`Unknown command ${JSON.stringify(unreachable)}`);
    }
  }
}

function complete(data: CompleteGeneration['data'], state: GenerationState): readonly GenerationStreamEvent[] {
  const { reservationExpired, ...succeeded } = data;
  switch (state.status) {
    case 'pending':
      return [
        { type: 'GenerationSucceeded', data: { ...succeeded, charge: reservationExpired ? 'none' : state.charge } },
      ];
    case 'failed':
      // Its reservation was released when it failed: the late image costs the user nothing.
      return [{ type: 'GenerationSucceeded', data: { ...succeeded, charge: 'none' } }];
    case 'unrequested':
    case 'succeeded':
      throw new DomainError('invalid_state', `Generation ${data.generationId} is ${state.status}: it cannot complete`);
    default: {
      const unreachable: never = state;
      throw new Error(`Unknown state ${JSON.stringify(unreachable)}`);
    }
  }
}

function selectPrint(data: SelectPrint['data'], state: GenerationState): readonly GenerationStreamEvent[] {
  if (state.status !== 'succeeded') {
    throw new DomainError(
      'invalid_state',
      `Generation ${data.generationId} is ${state.status}: only a succeeded generation can be selected`,
    );
  }
  // The same size again: its files were overwritten under the same keys, nothing new to record.
  if (state.prints.includes(printSize(data.printImage))) return [];
  const { selectedAt, ...produced } = data;
  const common = {
    generationId: data.generationId,
    userId: data.userId,
    widthInches: data.widthInches,
    heightInches: data.heightInches,
    dpi: data.dpi,
  };
  return [
    { type: 'ImageSelected', data: { ...common, selectedAt } },
    { type: 'PrintAssetsProduced', data: { ...produced, producedAt: selectedAt } },
  ];
}

export function evolve(state: GenerationState, event: GenerationStreamEvent): GenerationState {
  switch (event.type) {
    case 'GenerationRequested':
      return { status: 'pending', charge: event.data.charge };
    case 'CacheHit':
    case 'GenerationSucceeded':
      return { status: 'succeeded', prints: [] };
    case 'GenerationFailed':
      return { status: 'failed' };
    case 'ProviderCallStarted':
    case 'ImageSelected':
      return state;
    case 'PrintAssetsProduced':
      return state.status === 'succeeded'
        ? { ...state, prints: [...state.prints, printSize(event.data.printImage)] }
        : state;
    default: {
      const unreachable: never = event;
      throw new Error(`Unknown event ${JSON.stringify(unreachable)}`);
    }
  }
}

function requireUnrequested(state: GenerationState, generationId: string): void {
  if (state.status !== 'unrequested') {
    throw new DomainError('invalid_state', `Generation ${generationId} was already requested`);
  }
}

function printSize(image: { readonly width: number; readonly height: number }): string {
  return `${image.width}x${image.height}`;
}

export const generationDecider = { decide, evolve, initialState };
