import { Controller, Get, Param, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/http/auth';
import { DomainError } from '../common/domain-error';
import { GetPageSettings } from './get-page-settings.query';
import { userPageClient } from './user-page.client';
import { USER_PAGE_CSS } from './user-page.css';
import { userPageFormat } from './user-page.format';
import { userPageHistory } from './user-page.history';
import { userPageHtml } from './user-page.html';
import { userPagePacks } from './user-page.packs';

interface Asset {
  readonly type: string;
  readonly body: string;
}

/** The browser script: the client called with the window and the other parts, each as its source text. */
function userPageScript(): string {
  const parts = [userPageFormat, userPageHistory, userPagePacks].map((part) => part.toString());
  return `(${userPageClient.toString()})(window, ${parts.join(', ')});\n`;
}

const ASSETS: Readonly<Record<string, Asset>> = {
  'app.js': { type: 'text/javascript; charset=utf-8', body: userPageScript() },
  'app.css': { type: 'text/css; charset=utf-8', body: USER_PAGE_CSS },
};

/**
 * The page holds the user's id or token, so nothing but this service may run script in it or
 * frame it; images may also come from the media storage's origin.
 */
function contentSecurityPolicy(imageOrigins: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    ['img-src', "'self'", 'data:', ...imageOrigins].join(' '),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * `GET /`: the page for the person generating images (public: it shows nothing until the user's
 * id or token is entered, and every figure comes from the user API with it). Left out of the
 * OpenAPI document: it is a page, not an API.
 */
@ApiExcludeController()
@Public()
@Controller()
export class UserPageController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  async page(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const settings = await this.queryBus.execute(new GetPageSettings());
    secure(reply, 'text/html; charset=utf-8', settings.imageOrigins);
    void reply.header('Cache-Control', 'no-store');
    return userPageHtml(settings.auth);
  }

  @Get('assets/:name')
  async asset(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new DomainError('not_found', 'No such page asset');
    const settings = await this.queryBus.execute(new GetPageSettings());
    secure(reply, asset.type, settings.imageOrigins);
    void reply.header('Cache-Control', 'no-cache');
    return asset.body;
  }
}

function secure(reply: FastifyReply, type: string, imageOrigins: readonly string[]): void {
  void reply.header('Content-Type', type);
  void reply.header('Content-Security-Policy', contentSecurityPolicy(imageOrigins));
  void reply.header('X-Content-Type-Options', 'nosniff');
  void reply.header('Referrer-Policy', 'no-referrer');
}
