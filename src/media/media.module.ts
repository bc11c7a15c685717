import { Inject, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MediaController } from './media.controller';
import { OpenMediaHandler } from './open-media.query';
import { PrintRenderer } from './print';
import { CloudinaryStorage } from './storage/cloudinary.storage';
import { LocalDiskStorage } from './storage/local-disk.storage';
import { MediaStorage } from './storage/media-storage';
import { configureSharp } from './sharp-settings';

@Module({
  controllers: [MediaController],
  providers: [
    OpenMediaHandler,
    {
      provide: MediaStorage,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): MediaStorage =>
        config.cloudinaryUrl === undefined
          ? new LocalDiskStorage(config.dataDir, config.publicBaseUrl)
          : new CloudinaryStorage(config.cloudinaryUrl),
    },
    {
      provide: PrintRenderer,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new PrintRenderer(config.print),
    },
  ],
  exports: [MediaStorage, PrintRenderer],
})
export class MediaModule {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    configureSharp(config.print.concurrency);
  }
}
