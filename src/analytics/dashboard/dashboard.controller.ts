import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { Public } from '../../common/http/auth';
import { DomainError } from '../../common/domain-error';
import { dashboardCharts } from './dashboard.charts';
import { dashboardClient } from './dashboard.client';
import { dashboardFormat } from './dashboard.format';
import { dashboardPlot } from './dashboard.plot';
import { DASHBOARD_CSS, DASHBOARD_HTML } from './dashboard.page';

interface Asset {
  readonly type: string;
  readonly body: string;
}

/** Everything the page loads comes from this service: an operator network may have no internet. */
const ASSETS: Readonly<Record<string, Asset>> = {
  'uplot.min.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
  },
  'uplot.min.css': {
    type: 'text/css; charset=utf-8',
    body: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  },
  'dashboard.js': { type: 'text/javascript; charset=utf-8', body: dashboardScript() },
  'dashboard.css': { type: 'text/css; charset=utf-8', body: DASHBOARD_CSS },
};

/** The browser script: each part as its source text, the client called with the window and the other parts. */
function dashboardScript(): string {
  const parts = [dashboardFormat, dashboardPlot, dashboardCharts].map((part) => part.toString());
  return `(${dashboardClient.toString()})(window, ${parts.join(', ')});\n`;
}

/** The page holds the admin token, so nothing but this service may run script in it or frame it. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /dashboard`: a public page (it shows nothing by itself) whose data calls carry the admin
 * token the operator types in. Left out of the OpenAPI document: it is a page, not an API.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class DashboardController {
  @Get()
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    secure(reply, 'text/html; charset=utf-8');
    void reply.header('Cache-Control', 'no-store');
    return DASHBOARD_HTML;
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply): string {
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new DomainError('not_found', 'No such dashboard asset');
    secure(reply, asset.type);
    void reply.header('Cache-Control', 'no-cache');
    return asset.body;
  }
}

function secure(reply: FastifyReply, type: string): void {
  void reply.header('Content-Type', type);
  void reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  void reply.header('X-Content-Type-Options', 'nosniff');
  void reply.header('Referrer-Policy', 'no-referrer');
}
