import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Keeps the bytes of the request body as received (`request.rawBody`) for the given routes only,
 * beside the usual JSON parsing: a signature over the body (a Stripe webhook's) is checked against
 * these bytes. Every other route's body is parsed as before and never copied.
 */
export function keepRawBody(fastify: FastifyInstance, routes: readonly string[]): void {
  fastify.addHook('preParsing', async (request: FastifyRequest & { rawBody?: Buffer }, _reply, payload) => {
    if (!routes.includes(request.routeOptions.url ?? '')) return payload;
    const chunks: Buffer[] = [];
    const copy = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback(null, chunk);
      },
      flush(callback) {
        request.rawBody = Buffer.concat(chunks);
        callback();
      },
    });
    payload.on('error', (error) => copy.destroy(error));
    return payload.pipe(copy);
  });
}
