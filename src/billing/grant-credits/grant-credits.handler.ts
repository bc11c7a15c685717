import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../common/clock';
import { IdGenerator } from '../../common/ids';
import { grantIdForExternalId } from '../domain/account';
import { AccountStream } from '../streams/account-stream';
import { GrantCredits, type GrantedCredits } from './grant-credits.command';

@CommandHandler(GrantCredits)
export class GrantCreditsHandler implements ICommandHandler<GrantCredits, GrantedCredits> {
  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly account: AccountStream,
  ) {}

  /** A repeated externalId answers with the grant it made first. */
  async execute({ userId, grant, metadata }: GrantCredits): Promise<GrantedCredits> {
    const grantId = this.ids.prefixed('grant');
    const result = await this.account.run(
      userId,
      { type: 'GrantCredits', data: { grantId, ...grant, now: this.clock.now() } },
      metadata,
    );
    const effectiveId = grant.externalId ? (grantIdForExternalId(result.state, grant.externalId) ?? grantId) : grantId;
    return { grantId: effectiveId, paidCredits: result.state.availableCredits };
  }
}
