import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { AppModule, type AppOptions } from './app.module';
import { createRootLogger, PinoNestLogger } from './common/logging';
import { createValidationPipe } from './common/http/validation';
import { ProblemFilter } from './common/http/problem.filter';
import { problem } from './common/http/problem';
import { keepRawBody } from './common/http/raw-body';
import { STRIPE_WEBHOOK_PATH } from './billing/stripe-webhook/stripe-webhook.route';

export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The HTTP server's limits, chosen rather than inherited (README "HTTP server limits"): a client
 * gets 10 s to send its headers and 30 s for the whole request (bodies are at most 64 KiB; the
 * answer may take longer, up to the provider deadline), an idle keep-alive connection is kept
 * 65 s (longer than the 60 s idle timeout of common load balancers, so they close it first), and
 * at most 1024 connections are open at once (the rest are refused, not queued in memory).
 */
export const SERVER_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxRequestsPerSocket: 1000,
  maxConnections: 1024,
} as const;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CreateAppOptions extends AppOptions {
  readonly logger?: Logger;
}

/** Builds the HTTP application (also used by the e2e tests, with their own config and clock). */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const logger = options.logger ?? createRootLogger(options.config.logLevel);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: SERVER_LIMITS.requestTimeoutMs,
    keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
    maxRequestsPerSocket: SERVER_LIMITS.maxRequestsPerSocket,
    routerOptions: { maxParamLength: 512 },
    trustProxy: false,
    // A URL the router cannot read (bad percent-encoding, a parameter past maxParamLength) is the
    // client's error, answered in the API's own error shape like every other.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const body = {
        ...problem('validation_failed', `The URL could not be read (${error.code})`, {
          errors: [{ field: 'path', message: 'must be a URL path with valid percent-encoding and parameters' }],
        }),
        requestId: request.id,
      };
      void reply.status(400).header('Content-Type', 'application/problem+json').send(body);
    },
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const header = request.headers['x-request-id'];
      const given = Array.isArray(header) ? header[0] : header;
      return given && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const fastify = adapter.getInstance();
  fastify.server.headersTimeout = SERVER_LIMITS.headersTimeoutMs;
  fastify.server.maxConnections = SERVER_LIMITS.maxConnections;
  // Logs are written asynchronously (createRootLogger): what is pending goes out before the
  // process ends, also when it ends by re-raising SIGTERM after its shutdown hooks.
  fastify.addHook('onClose', (_instance, done) => logger.flush(() => done()));
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('X-Request-Id', request.id);
    if (!['POST', 'PUT', 'PATCH'].includes(request.method)) return;
    const type = request.headers['content-type'];
    if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
      const body = {
        ...problem('unsupported_media_type', `Content-Type ${type} is not accepted; send application/json`),
        requestId: request.id,
      };
      return reply.status(415).header('Content-Type', 'application/problem+json').send(body);
    }
  });
  keepRawBody(fastify, [STRIPE_WEBHOOK_PATH]);
  // A POST without a body is an empty object, so validation names the missing fields.
  fastify.addHook('preValidation', async (request: FastifyRequest) => {
    if (request.body === undefined && ['POST', 'PUT', 'PATCH'].includes(request.method)) request.body = {};
  });
  fastify.addHook('onResponse', async (request: FastifyRequest & { userId?: string }, reply: FastifyReply) => {
    request.log.info(
      {
        requestId: request.id,
        userId: request.userId,
        method: request.method,
        route: request.routeOptions?.url ?? request.url.split('?')[0],
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
  });

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    logger: new PinoNestLogger(logger),
    bufferLogs: false,
    abortOnError: false,
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('genledger')
      .setDescription('AI image generations sold without losing money: credits, budget, cache, print assets.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'user-jwt')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-User-Id' }, 'dev-user')
      .addBearerAuth({ type: 'http', scheme: 'bearer' }, 'admin')
      .addBearerAuth({ type: 'http', scheme: 'bearer' }, 'metrics')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return app;
}
