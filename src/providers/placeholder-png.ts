import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { crc32, deflate } from 'node:zlib';

const deflateAsync = promisify(deflate);

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BYTES_PER_PIXEL = 3;

interface Disc {
  readonly cx: number;
  readonly cy: number;
  readonly radius: number;
  readonly colour: Buffer;
}

interface Band {
  readonly top: number;
  readonly bottom: number;
  readonly colour: Buffer;
}

/**
 * Paints a recognisable picture from a 32-byte seed: a left-to-right gradient between two seed
 * colours, two horizontal bands and three discs, all placed and coloured by seed bytes. The same
 * seed gives the same bytes; any other seed differs visibly (colours and layout both move).
 * Written by hand because the picture is trivial: rows repeat, so deflate level 1 packs a
 * 1792x1024 image in ~7 ms (off the event loop) and the whole call takes ~10-15 ms.
 */
export function placeholderPng(seed: Buffer, width: number, height: number, comment: string): Promise<Buffer> {
  return oneOfFewPainters(() => paint(seed, width, height, comment));
}

/**
 * Paintings at once in this process. Each holds its raw frame (about 5.5 MB at 1792x1024) until
 * deflate is done with it, and more paintings than cores finish no sooner: under a burst of
 * misses the rest wait here instead of holding frames (peak RSS, measured by bench:http).
 */
const PAINTERS = Math.max(1, availableParallelism());
let painting = 0;
const waitingPainters: Array<() => void> = [];

/** Paintings holding a slot now (for the spec that holds this bound). */
export function paintingsUnderway(): { painting: number; waiting: number; limit: number } {
  return { painting, waiting: waitingPainters.length, limit: PAINTERS };
}

async function oneOfFewPainters<T>(work: () => Promise<T>): Promise<T> {
  if (painting < PAINTERS) painting += 1;
  else await new Promise<void>((resolve) => waitingPainters.push(resolve));
  try {
    return await work();
  } finally {
    // The slot passes to the next waiter directly, so the count never drops while one waits.
    const next = waitingPainters.shift();
    if (next) next();
    else painting -= 1;
  }
}

async function paint(seed: Buffer, width: number, height: number, comment: string): Promise<Buffer> {
  const stride = 1 + width * BYTES_PER_PIXEL;
  const raw = Buffer.alloc(stride * height);
  const from = colour(seed, 0);
  const to = colour(seed, 3);
  const bands = [band(seed, 6, height), band(seed, 10, height)];
  const discs = [disc(seed, 14, width, height), disc(seed, 20, width, height), disc(seed, 26, width, height)];
  const gradient = Buffer.alloc(width * BYTES_PER_PIXEL);
  for (let x = 0; x < width; x += 1) {
    const t = x / Math.max(1, width - 1);
    for (let c = 0; c < 3; c += 1) gradient[x * 3 + c] = Math.round(from[c]! + (to[c]! - from[c]!) * t);
  }
  for (let y = 0; y < height; y += 1) {
    const row = y * stride;
    raw[row] = 0;
    gradient.copy(raw, row + 1);
    for (const b of bands) if (y >= b.top && y < b.bottom) fill(raw, row, 0, width, b.colour);
    for (const d of discs) {
      const dy = y - d.cy;
      if (Math.abs(dy) >= d.radius) continue;
      const half = Math.floor(Math.sqrt(d.radius * d.radius - dy * dy));
      fill(raw, row, Math.max(0, d.cx - half), Math.min(width, d.cx + half + 1), d.colour);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // truecolour RGB, no alpha
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('tEXt', Buffer.from(`Comment\0${comment}`, 'latin1')),
    chunk('IDAT', await deflateAsync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function fill(raw: Buffer, row: number, fromX: number, toX: number, rgb: Buffer): void {
  if (toX > fromX) raw.fill(rgb, row + 1 + fromX * BYTES_PER_PIXEL, row + 1 + toX * BYTES_PER_PIXEL);
}

function colour(seed: Buffer, at: number): Buffer {
  return seed.subarray(at, at + 3);
}

function band(seed: Buffer, at: number, height: number): Band {
  const top = Math.floor((seed[at] / 256) * height);
  return {
    top,
    bottom: top + Math.max(2, Math.floor((seed[at + 1] / 256) * height * 0.15)),
    colour: colour(seed, at + 1),
  };
}

function disc(seed: Buffer, at: number, width: number, height: number): Disc {
  const short = Math.min(width, height);
  return {
    cx: Math.floor((seed.readUInt16BE(at) / 65536) * width),
    cy: Math.floor((seed.readUInt16BE(at + 2) / 65536) * height),
    radius: Math.floor(short * (0.08 + (seed[at + 4] / 256) * 0.25)),
    colour: colour(seed, (at + 3) % 30),
  };
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, checksum]);
}
