import { isIP } from 'node:net';

/** A host name or address that only this machine reaches: `localhost`, `::1`, 127.0.0.0/8. */
export function isLoopbackHost(hostName: string): boolean {
  const name = hostName.toLowerCase();
  if (name === 'localhost' || name === '::1') return true;
  if (name.startsWith('::ffff:')) return isLoopbackHost(name.slice('::ffff:'.length));
  return isIP(name) === 4 && name.startsWith('127.');
}

/** The host of a `Host` header (`name`, `name:port`, `[v6]`, `[v6]:port`), or undefined when malformed. */
export function hostOfHeader(header: string): string | undefined {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](:\d{1,5})?$/.exec(header);
  if (bracketed) return bracketed[1];
  const plain = /^([A-Za-z0-9.-]+)(:\d{1,5})?$/.exec(header);
  return plain?.[1];
}
