import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

export interface PageSettings {
  /** Which credential the page asks for: a user id (dev auth) or a bearer token (JWT mode). */
  readonly auth: 'dev' | 'jwt';
  /** Origins the page may load images from (its CSP's `img-src`), besides its own. */
  readonly imageOrigins: readonly string[];
}

/** What the user page must know of this service's configuration: nothing secret. */
export class GetPageSettings extends Query<PageSettings> {}

@QueryHandler(GetPageSettings)
export class GetPageSettingsHandler implements IQueryHandler<GetPageSettings, PageSettings> {
  private readonly settings: PageSettings;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.settings = { auth: config.auth.mode, imageOrigins: imageOrigins(config) };
  }

  execute(): Promise<PageSettings> {
    return Promise.resolve(this.settings);
  }
}

/**
 * Images come from local media (`PUBLIC_BASE_URL`, which may name another host than the page's)
 * or from Cloudinary's delivery host, or the `upload_prefix` endpoint that then also delivers.
 */
function imageOrigins(config: AppConfig): string[] {
  if (!config.cloudinaryUrl) return [new URL(config.publicBaseUrl).origin];
  const prefix = new URL(config.cloudinaryUrl).searchParams.get('upload_prefix');
  return ['https://res.cloudinary.com', ...(prefix ? [new URL(prefix).origin] : [])];
}
