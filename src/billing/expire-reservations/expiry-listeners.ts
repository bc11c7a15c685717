import { Injectable } from '@nestjs/common';
import type { ExpiredReservation } from '../reservation';

export type ExpiryListener = (expired: readonly ExpiredReservation[]) => Promise<void>;

/**
 * Other modules react to reservations the expiry job released (the generation module closes
 * their generations as failed). The job awaits every listener before it reports its run.
 */
@Injectable()
export class ExpiryListeners {
  private readonly listeners: ExpiryListener[] = [];

  add(listener: ExpiryListener): void {
    this.listeners.push(listener);
  }

  async notify(expired: readonly ExpiredReservation[]): Promise<void> {
    for (const listener of this.listeners) await listener(expired);
  }
}
