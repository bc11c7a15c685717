import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../event-store/event-types';

export interface GrantedCredits {
  readonly grantId: string;
  /** The user's spendable paid credits after the grant. */
  readonly paidCredits: number;
}

/** Adds paid credits to a user's account; a second grant with the same `externalId` changes nothing. */
export class GrantCredits extends Command<GrantedCredits> {
  constructor(
    readonly userId: string,
    readonly grant: { readonly credits: number; readonly reason: string; readonly externalId?: string },
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
