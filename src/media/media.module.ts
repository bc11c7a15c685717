import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MediaController } from './media.controller';
import { OpenMediaHandler } from './open-media.query';
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
  ],
  exports: [MediaStorage],
})
export class MediaModule {
  constructor() {
    configureSharp();
  }
}
