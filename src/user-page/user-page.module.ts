import { Module } from '@nestjs/common';
import { GetPageSettingsHandler } from './get-page-settings.query';
import { UserPageController } from './user-page.controller';

/** The page at `/` for the person generating images: a client of the user API, nothing more. */
@Module({
  controllers: [UserPageController],
  providers: [GetPageSettingsHandler],
})
export class UserPageModule {}
