/**
 * Preloaded (`node --require`) into third-party servers that offer no host option and would
 * otherwise listen on every interface: benchmarks keep all their traffic on loopback.
 */
import { Server } from 'node:net';

const listen = Server.prototype.listen as (...args: unknown[]) => Server;

Server.prototype.listen = function listenOnLoopback(this: Server, ...args: unknown[]): Server {
  if (typeof args[0] === 'number' && typeof args[1] === 'function') {
    args.splice(1, 0, '127.0.0.1');
  } else if (typeof args[0] === 'number') {
    args[1] = '127.0.0.1';
  } else if (typeof args[0] === 'object' && args[0] !== null && 'port' in args[0]) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  }
  return listen.apply(this, args);
} as typeof Server.prototype.listen;
