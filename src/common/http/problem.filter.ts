import { ArgumentsHost, Catch, HttpException, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorCode } from '../domain-error';
import { problem, type Problem } from './problem';

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * The one place errors become HTTP (STYLE.md rule 8): domain errors by their code, framework
 * errors by status, anything else a 500 whose body says nothing about internals.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (error instanceof HttpException && error.getStatus() === 503 && request.url.startsWith('/health')) {
      // Readiness keeps Terminus's own report (API.md), with its 503.
      void reply.status(503).send(error.getResponse());
      return;
    }
    const body = this.toProblem(error, request);
    if (body.status >= 500 && body.code === 'internal_error') {
      this.logger.error({ err: describe(error), requestId: request.id }, 'unhandled error');
    }
    if (typeof body.retryAfterSeconds === 'number') {
      void reply.header('Retry-After', String(body.retryAfterSeconds));
    }
    void reply.status(body.status).header('Content-Type', 'application/problem+json').send(body);
  }

  toProblem(error: unknown, request: FastifyRequest): Problem {
    const context = { instance: request.url.split('?')[0], requestId: String(request.id) };
    if (error instanceof DomainError) {
      return { ...problem(error.code, error.message, { ...error.details }), ...context };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const code = BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'validation_failed');
      const response = error.getResponse();
      const detail =
        typeof response === 'object' && response && 'message' in response
          ? String((response as { message: unknown }).message)
          : error.message;
      return {
        ...problem(code, code === 'not_found' ? `No route or resource at ${context.instance}` : detail),
        ...context,
      };
    }
    if (isDatabaseUnavailable(error)) {
      return {
        ...problem('not_ready', 'The database is unavailable; nothing was charged. Retry shortly.', {
          retryAfterSeconds: 5,
        }),
        ...context,
      };
    }
    const fastifyError = error as { statusCode?: number; code?: string; message?: string };
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500) {
      const code = BY_STATUS[fastifyError.statusCode] ?? 'validation_failed';
      return { ...problem(code, fastifyDetail(fastifyError)), ...context };
    }
    return {
      ...problem('internal_error', 'An unexpected error occurred; it has been logged with this request id.'),
      ...context,
    };
  }
}

function fastifyDetail(error: { code?: string; message?: string }): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is larger than 64 KiB';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Only application/json request bodies are accepted';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty but Content-Type says application/json';
    default:
      return error.code?.startsWith('FST_ERR_CTP') || error.message?.includes('JSON')
        ? `The request body is not valid JSON: ${error.message ?? ''}`.trim()
        : (error.message ?? 'Bad request');
  }
}

/** Connection-level failures (refused, dropped, server shutting down): the request may be retried. */
function isDatabaseUnavailable(error: unknown): boolean {
  const candidate = error as { code?: unknown; message?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = String(candidate?.driverError?.code ?? candidate?.code ?? '');
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03'].includes(code) || code.startsWith('08'))
    return true;
  const message = typeof candidate?.message === 'string' ? candidate.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/.test(
    message,
  );
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
