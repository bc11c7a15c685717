/**
 * The synthetic month replayed by bench/cost, seeded so every run replays the same requests.
 *
 * - Intents: distinct pictures people ask for, built from subjects, scenes and media. Some come
 *   in order-swapped pairs ("a red fox chasing a blue kite" / "a blue fox chasing a red kite"):
 *   the same words meaning another picture, which a word-sorting cache key cannot tell apart.
 * - Popularity: intents are drawn from a Zipf distribution (rank r weighs 1 / r^s), so a few
 *   prompts are asked again and again and most only once or twice: the long tail.
 * - Surface variations: half the requests spell an intent as it stands; the rest change what
 *   users change without meaning another picture (case, spacing, trailing punctuation, polite
 *   filler such as "please", "create an image of", "can you draw", ", please"). Two of them are
 *   ones genledger's normalisation deliberately leaves alone (a dropped leading article, a
 *   trailing "thanks!"), so its hit rate is measured, not assumed.
 * - Settings: a mix of tiers, aspect ratios and quality, each part of the cache key.
 * - Users and days: requests are spread over users and a month of days; days order the replay
 *   (the service's own clock is real, so a day is a workload dimension, not a date it sees).
 */
import type { Tier } from '../../src/config/app-config';
import { pick, seededRandom } from '../support/random';

export interface WorkloadSettings {
  readonly seed: number;
  readonly days: number;
  readonly requestsPerDay: number;
  readonly users: number;
  readonly intents: number;
  readonly swappedPairs: number;
  readonly zipfExponent: number;
}

export const DEFAULT_SETTINGS: WorkloadSettings = {
  seed: 20261124,
  days: 30,
  requestsPerDay: 70,
  users: 40,
  intents: 500,
  swappedPairs: 40,
  zipfExponent: 1.0,
};

export interface WorkloadRequest {
  readonly day: number;
  readonly user: string;
  /** The picture meant: requests with the same intent and settings may share an image. */
  readonly intent: number;
  readonly prompt: string;
  readonly tier: Tier;
  readonly aspectRatio: '1:1' | '16:9';
  readonly quality: 'standard' | 'hd';
}

const SUBJECTS = [
  'a lighthouse',
  'an old fishing boat',
  'a red fox',
  'a snowy owl',
  'a steam locomotive',
  'a tabby cat',
  'a golden retriever',
  'a hot air balloon',
  'a medieval castle',
  'a koi pond',
  'a vintage bicycle',
  'a sunflower field',
  'a humpback whale',
  'a mountain cabin',
  'a paper lantern',
  'a city tram',
  'a windmill',
  'a pair of herons',
  'a stack of books',
  'a bonsai tree',
  'a sleeping dragon',
  'an astronaut',
  'a jazz trio',
  'a market stall',
  'a desert caravan',
];
const SCENES = [
  'at dawn',
  'at night under the stars',
  'in the rain',
  'in autumn fog',
  'on a frozen lake',
  'in a busy harbour',
  'at golden hour',
  'during a thunderstorm',
  'in a snowy forest',
  'by a quiet river',
  'on a cliff by the sea',
  'in a neon-lit alley',
];
const MEDIA = [
  '',
  ', watercolor',
  ', oil painting',
  ', pencil sketch',
  ', 35mm photo',
  ', isometric 3d render',
  ', ukiyo-e print',
];
const COLOURS = ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'black', 'white'];
const PAIR_NOUNS = [
  ['fox', 'kite'],
  ['dog', 'car'],
  ['cat', 'boat'],
  ['bird', 'house'],
  ['horse', 'barn'],
  ['umbrella', 'bench'],
  ['robot', 'door'],
];
const PAIR_VERBS = ['chasing', 'on', 'beside', 'in front of', 'behind'];

/** Distinct intents, pairs included; placed at random popularity ranks. */
export function buildIntents(settings: WorkloadSettings, next: () => number): string[] {
  const intents = new Set<string>();
  while (intents.size < settings.swappedPairs * 2) {
    const [first, second] = pick(next, PAIR_NOUNS);
    const [c1, c2] = [pick(next, COLOURS), pick(next, COLOURS)];
    if (c1 === c2) continue;
    const verb = pick(next, PAIR_VERBS);
    const prompt = `${article(c1)} ${c1} ${first} ${verb} ${article(c2)} ${c2} ${second}`;
    const swapped = `${article(c2)} ${c2} ${first} ${verb} ${article(c1)} ${c1} ${second}`;
    if (intents.has(prompt) || intents.has(swapped)) continue;
    intents.add(prompt).add(swapped);
  }
  while (intents.size < settings.intents)
    intents.add(`${pick(next, SUBJECTS)} ${pick(next, SCENES)}${pick(next, MEDIA)}`);
  const shuffled = [...intents];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return shuffled;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

/** How users type the same intent; the first entry is the intent as it stands. */
const VARIATIONS: ReadonlyArray<(prompt: string, next: () => number) => string> = [
  (p) => p,
  (p) => p.charAt(0).toUpperCase() + p.slice(1),
  (p) => p.replace(/\b\w/g, (letter) => letter.toUpperCase()),
  (p) => p.toUpperCase(),
  (p) => `  ${p.replace(/ /g, '  ')} `,
  (p) => `${p}.`,
  (p) => `${p}!!`,
  (p) => `please ${p}`,
  (p) => `${p}, please`,
  (p) => `Please create an image of ${p}`,
  (p) => `Create an image of ${p}.`,
  (p) => `can you draw ${p}?`,
  (p) => `Generate ${p}`,
  (p, next) => (next() < 0.5 ? `Draw me ${p}` : `Could you please generate ${p}?`),
  (p) => p.replace(/^an? /, ''),
  (p) => `${p}, thanks!`,
];

function zipfSampler(count: number, exponent: number, next: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= count; rank++) cumulative.push((total += 1 / rank ** exponent));
  return () => {
    const target = next() * total;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

export function buildWorkload(settings: WorkloadSettings = DEFAULT_SETTINGS): {
  intents: string[];
  requests: WorkloadRequest[];
} {
  const next = seededRandom(settings.seed);
  const intents = buildIntents(settings, next);
  const rank = zipfSampler(intents.length, settings.zipfExponent, next);
  const requests: WorkloadRequest[] = [];
  for (let day = 1; day <= settings.days; day++) {
    for (let i = 0; i < settings.requestsPerDay; i++) {
      const intent = rank();
      const variation = next() < 0.5 ? VARIATIONS[0]! : pick(next, VARIATIONS.slice(1));
      requests.push({
        day,
        user: `cost-user-${String(Math.floor(next() * settings.users)).padStart(3, '0')}`,
        intent,
        prompt: variation(intents[intent]!, next),
        tier: next() < 0.75 ? 'premium' : 'standard',
        aspectRatio: next() < 0.8 ? '1:1' : '16:9',
        quality: next() < 0.9 ? 'standard' : 'hd',
      });
    }
  }
  return { intents, requests };
}
