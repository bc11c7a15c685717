import { createHash } from 'node:crypto';

/**
 * Prompt normalisation and the prompt-cache key (DESIGN.md "Cache").
 *
 * A key collision serves one user's image to another who asked for something else (the seed's
 * alphabetical sort did exactly that); a miss only costs one provider call. So normalisation folds
 * what cannot change the picture and strips filler only where it is unambiguous:
 * - fold Unicode (NFKC), case and white space; never reorder, sort or drop content words;
 * - strip punctuation and "please" only at the end, filler only at the very start, never mid-prompt;
 * - strip an instruction verb only when what follows proves it is one ("draw a bridge", not
 *   "draw bridge at night"; "make me a ...", not "make up artist");
 * - strip only medium-neutral nouns ("an image of"); "a photo of" and "an illustration of" ask for
 *   a different picture and stay;
 * - if stripping would leave nothing, keep the folded text whole.
 * Changing any rule moves prompts to new keys: bump CACHE_KEY_VERSION so that old entries become
 * unreachable instead of wrongly shared.
 */

export const NORMALIZATION_RULES: readonly string[] = [
  'Unicode is folded to NFKC and lower case (locale-independent), so full-width letters, ligatures such as "ﬁ" and other compatibility forms match their plain spelling.',
  'Every run of Unicode white space (including non-breaking and ideographic spaces) becomes one space; spaces at both ends are removed.',
  'Trailing punctuation (. ! ? , ; : … 。 、 ‽, repeated) and a trailing "please" or "pls" (also ", please") are removed.',
  'Leading "please" and "pls" are removed; leading "kindly" and "can/could/would/will you" only when an instruction verb follows.',
  'A leading instruction verb is removed only when what follows shows it is an instruction: "generate", "create", "draw", "render" and "produce" (optionally followed by "me") before "an image of", "a picture of", "image of", "picture of" or a determiner (a, an, the, some, this, these, those, my, our, a number); "make" and "show" only before "me" plus such a phrase or determiner, or directly before an image phrase. So "draw a bridge" becomes "a bridge", while "draw bridge at night", "make a wish card" and "make up artist" stay whole.',
  'A leading medium-neutral phrase "an image of", "a picture of", "image of" or "picture of" is removed; words that name a medium ("a photo of", "an illustration of", "a painting of") are content and stay.',
  'Filler is stripped repeatedly, but only at the very start and end: words are never reordered, sorted or dropped, filler in the middle is kept, and a prompt that would become empty keeps its folded text whole.',
];

/** Part of every cache key: bumped whenever normalisation or the key layout changes. */
export const CACHE_KEY_VERSION = 'genledger.cache.v1';

export interface CacheKeyInput {
  readonly prompt: string;
  readonly aspectRatio: string;
  readonly style: string | null;
  readonly size: string;
  readonly quality: string;
  readonly model: string;
}

// U+FEFF is not Unicode White_Space, but pasted text carries it as an invisible word separator.
const WHITE_SPACE = /[\p{White_Space}\uFEFF]+/gu;
const TRAILING_PUNCTUATION = /[ .!?,;:…。、‽]+$/u;
const TRAILING_PLEASE = /(?: ?, ?| )(?:please|pls)$/u;

// Every consumed filler unit ends in a space, so stripping always stops at a word boundary and
// can never eat the last word: the text is trimmed before this runs.
const SEPARATOR = '(?: ?[,:;.!])? ';
const IMAGE_PHRASE = `(?:an? )?(?:image|picture) of${SEPARATOR}`;
const DETERMINER = '(?:a|an|the|some|this|these|those|my|our|one|two|three|four|five|six|seven|eight|nine|ten|\\d+) ';
const INSTRUCTION_FOLLOWS = `(?=${IMAGE_PHRASE}|${DETERMINER})`;
const VERB_PHRASE =
  `(?:(?:generate|create|draw|render|produce)${SEPARATOR}(?:me${SEPARATOR})?${INSTRUCTION_FOLLOWS}` +
  `|(?:make|show)${SEPARATOR}me${SEPARATOR}${INSTRUCTION_FOLLOWS}` +
  `|(?:make|show)${SEPARATOR}(?=${IMAGE_PHRASE}))`;
const REQUEST = `(?:can|could|would|will) you${SEPARATOR}(?=(?:(?:please|kindly)${SEPARATOR})?${VERB_PHRASE})`;
const KINDLY = `kindly${SEPARATOR}(?=${REQUEST}|${VERB_PHRASE})`;
const POLITE = `(?:please|pls)${SEPARATOR}`;
const LEADING_FILLER = new RegExp(`^(?:${POLITE}|${KINDLY}|${REQUEST}|${VERB_PHRASE}|${IMAGE_PHRASE})`, 'u');

export function normalizePrompt(prompt: string): string {
  const folded = foldText(prompt);
  const stripped = stripLeadingFiller(stripTrailingFiller(folded));
  return stripped === '' ? folded : stripped;
}

/**
 * The cache key, and the value the API returns as `promptHash`: 64 lowercase hex digits of
 * SHA-256 over everything that changes the picture. A JSON array keeps field boundaries
 * unambiguous, whatever characters the prompt holds.
 */
export function cacheKey(input: CacheKeyInput): string {
  return sha256Hex(
    JSON.stringify([
      CACHE_KEY_VERSION,
      normalizePrompt(input.prompt),
      input.aspectRatio,
      normalizeStyle(input.style),
      input.size,
      input.quality,
      input.model,
    ]),
  );
}

/**
 * SHA-256 of the normalised prompt alone, the same whatever the size, style or model: it groups
 * one prompt across settings and seeds the local provider's picture. It is NOT the API's
 * `promptHash`, which is {@link cacheKey}.
 */
export function promptHash(prompt: string): string {
  return sha256Hex(normalizePrompt(prompt));
}

function foldText(text: string): string {
  // Unicode does not promise that case mapping keeps text normalised, so NFKC runs again:
  // idempotence then holds by construction rather than by the current character tables.
  const folded = text.normalize('NFKC').toLowerCase().normalize('NFKC');
  return folded.replace(WHITE_SPACE, ' ').trim();
}

function normalizeStyle(style: string | null): string | null {
  const folded = style?.trim().toLowerCase() ?? '';
  return folded === '' ? null : folded;
}

function stripTrailingFiller(text: string): string {
  let current = text;
  for (;;) {
    const next = current.replace(TRAILING_PUNCTUATION, '').replace(TRAILING_PLEASE, '');
    if (next === current) return current;
    current = next;
  }
}

function stripLeadingFiller(text: string): string {
  let current = text;
  for (let match = LEADING_FILLER.exec(current); match; match = LEADING_FILLER.exec(current)) {
    current = current.slice(match[0].length);
  }
  return current;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
