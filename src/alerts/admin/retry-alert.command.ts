import { Command } from '@nestjs/cqrs';
import type { AlertView } from './alert-view';

/** Puts a dead alert back in the delivery queue with a fresh count of attempts. */
export class RetryAlert extends Command<AlertView> {
  constructor(readonly alertId: string) {
    super();
  }
}
