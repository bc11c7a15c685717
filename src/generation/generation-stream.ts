import type { EventStore } from '../event-store/event-store';
import { handleCommand, type HandleOptions, type HandleResult } from '../event-store/command-handler';
import { generationStreamId } from './domain/generation-events';
import {
  generationDecider,
  type GenerationCommand,
  type GenerationState,
  type GenerationStreamEvent,
} from './domain/generation';

/** A command on its generation's stream, through the event store's pipeline (load -> decide -> append). */
export function handleGenerationCommand(
  store: EventStore,
  command: GenerationCommand,
  options: HandleOptions<GenerationState> = {},
): Promise<HandleResult<GenerationState, GenerationStreamEvent>> {
  return handleCommand(store, generationStreamId(command.data.generationId), generationDecider, command, options);
}
