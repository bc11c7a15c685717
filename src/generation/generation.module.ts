import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module';
import { ProvidersModule } from '../providers/providers.module';
import { MediaModule } from '../media/media.module';
import { GenerateImageController } from './generate-image/generate-image.controller';
import { GenerateImageHandler } from './generate-image/generate-image.handler';
import { GetGenerationsController } from './get-generations/get-generations.controller';
import { SelectImageController } from './select-image/select-image.controller';
import { SelectImageHandler } from './select-image/select-image.handler';
import { AbandonedGenerations } from './generate-image/abandoned-generations';

@Module({
  imports: [BillingModule, ProvidersModule, MediaModule],
  controllers: [GenerateImageController, GetGenerationsController, SelectImageController],
  providers: [GenerateImageHandler, SelectImageHandler, AbandonedGenerations],
  exports: [GenerateImageHandler],
})
export class GenerationModule {}
