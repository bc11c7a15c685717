import { Query } from '@nestjs/cqrs';

export interface UserEvent {
  readonly globalPosition: number;
  readonly streamId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly recordedAt: string;
}

/** Every event whose metadata names the user, in the global order (the admin's audit view). */
export class GetUserEvents extends Query<{ events: UserEvent[] }> {
  constructor(readonly userId: string) {
    super();
  }
}
