import fc from 'fast-check';
import { CACHE_KEY_VERSION, CacheKeyInput, cacheKey, normalizePrompt, promptHash } from './prompt';

const base: CacheKeyInput = {
  prompt: 'a red dog',
  aspectRatio: '1:1',
  style: null,
  size: '1024x1024',
  quality: 'standard',
  model: 'fal-ai/flux/schnell',
};

const keyOf = (prompt: string): string => cacheKey({ ...base, prompt });

/** The definition the properties check against: NFKC and lower case, split on any white space. */
const foldedWords = (text: string): string[] =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKC')
    .split(/[\p{White_Space}\uFEFF]+/u)
    .filter((word) => word !== '');

const LEADING_FILLER_WORDS = new Set([
  'please',
  'pls',
  'kindly',
  'can',
  'could',
  'would',
  'will',
  'you',
  'generate',
  'create',
  'draw',
  'render',
  'produce',
  'make',
  'show',
  'me',
  'a',
  'an',
  'image',
  'picture',
  'of',
]);
const TRAILING_FILLER = /^(?:[ .!?,;:…。、‽]|please|pls)*$/u;

/**
 * True when `normalised` is a contiguous run of the original's words that starts after nothing but
 * filler vocabulary and ends before nothing but punctuation and "please": no word reordered, no
 * content word dropped.
 */
function isFillerTrimmedTail(original: string, normalised: string): boolean {
  const all = foldedWords(original);
  const kept = normalised.split(' ');
  const last = kept.length - 1;
  for (let start = 0; start + kept.length <= all.length; start++) {
    const head = all.slice(start, start + last);
    const lastWord = all[start + last];
    if (head.some((word, i) => word !== kept[i]) || !lastWord.startsWith(kept[last])) continue;
    const droppedHead = all.slice(0, start);
    const droppedTail = [lastWord.slice(kept[last].length), ...all.slice(start + kept.length)].join(' ');
    const headIsFiller = droppedHead.every((word) => {
      const bare = word.replace(/[,:;.!]$/u, '');
      return bare === '' || LEADING_FILLER_WORDS.has(bare);
    });
    if (headIsFiller && TRAILING_FILLER.test(droppedTail)) return true;
  }
  return false;
}

const toFullWidth = (text: string): string =>
  text.replace(/[a-z]/giu, (letter) => String.fromCodePoint(letter.codePointAt(0)! + 0xfee0));

const fillerWords = [...LEADING_FILLER_WORDS, 'the', 'some', 'my', '3', 'photo', 'up'];
const contentWords = [
  'red',
  'blue',
  'dog',
  'car',
  'on',
  'make-up',
  'artist',
  'bridge',
  'night',
  'fire',
  'ﬁre',
  'über',
  'ΟΔΟΣ',
  'İstanbul',
];
const promptLike = fc
  .array(
    fc.record({
      word: fc.constantFrom(...fillerWords, ...contentWords, ',', ':', '!', '…', '。'),
      attached: fc.constantFrom('', '', ',', ':', '!', '?', '...'),
      shape: fc.constantFrom('plain', 'upper', 'full-width'),
      space: fc.constantFrom(' ', ' ', '  ', '\u00a0', '\t', '\n', '\u3000', '\u2003', '\ufeff'),
    }),
    { minLength: 0, maxLength: 10 },
  )
  .map((tokens) =>
    tokens
      .map(({ word, attached, shape, space }) => {
        const shaped = shape === 'upper' ? word.toUpperCase() : shape === 'full-width' ? toFullWidth(word) : word;
        return shaped + attached + space;
      })
      .join(''),
  );
const plainWords = ['red', 'blue', 'dog', 'car', 'on', 'a', 'the', 'make-up', 'artist', 'bridge', 'night'];
const anyText = fc.oneof(
  promptLike,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

describe('normalizePrompt', () => {
  it.each([
    ['a red dog'],
    ['A Red DOG'],
    ['  a   red\tdog \n'],
    ['a\u00a0red\u2003dog'],
    ['a\u3000red\ufeffdog'],
    ['Ａ ＲＥＤ ＤＯＧ'],
    ['a red dog.'],
    ['a red dog!!!'],
    ['a red dog?!…'],
    ['a red dog ... !'],
    ['a red dog。'],
    ['a red dog, please'],
    ['a red dog please!'],
    ['please a red dog'],
    ['please generate a red dog'],
    ['create an image of a red dog'],
    ['Please, create a picture of: a red dog!!'],
    ['Could you please draw me a picture of a red dog?'],
    ['kindly render a red dog'],
    ['show me a red dog'],
    ['make me an image of a red dog'],
    ['make a picture of a red dog'],
    ['PLS PLS generate image of a red dog, pls.'],
    ['an image of a red dog'],
  ])('folds %j to "a red dog"', (prompt) => {
    expect(normalizePrompt(prompt)).toBe('a red dog');
    expect(keyOf(prompt)).toBe(keyOf('a red dog'));
  });

  it('folds the "ﬁ" ligature and other compatibility forms to their plain spelling', () => {
    expect(normalizePrompt('a ﬁre truck')).toBe('a fire truck');
    expect(keyOf('a ﬁre truck')).toBe(keyOf('a fire truck'));
    expect(normalizePrompt('ＲＯＯＭ №５')).toBe('room no5');
  });

  it.each([
    ['make up artist in a studio', 'make up artist in a studio'],
    ['make-up artist portrait', 'make-up artist portrait'],
    ['make a wish birthday card', 'make a wish birthday card'],
    ['draw bridge at night', 'draw bridge at night'],
    ['draw a bridge at night', 'a bridge at night'],
    ['render 3d model of a car', 'render 3d model of a car'],
    ['create your own adventure poster', 'create your own adventure poster'],
    ['kindly old man reading', 'kindly old man reading'],
    ['can you see the sea', 'can you see the sea'],
    ['create a photo of a red dog', 'a photo of a red dog'],
    ['generate an illustration of a red dog', 'an illustration of a red dog'],
    ['a red dog, please, on a blue car', 'a red dog, please, on a blue car'],
    ['a robot that can generate an image of a cat', 'a robot that can generate an image of a cat'],
    ['a sign saying "please!"', 'a sign saying "please!"'],
    ['please', 'please'],
    ['!!!', '!!!'],
    [', please', ', please'],
    ['create an image of', 'an image of'],
    ['', ''],
  ])('keeps content: %j becomes %j', (prompt, expected) => {
    expect(normalizePrompt(prompt)).toBe(expected);
  });

  it('never reorders words, unlike the seed that sorted them', () => {
    expect(normalizePrompt('a red dog on a blue car')).toBe('a red dog on a blue car');
    expect(keyOf('a red dog on a blue car')).not.toBe(keyOf('a blue dog on a red car'));
    expect(keyOf('dog bites man')).not.toBe(keyOf('man bites dog'));
  });

  it('asks for a different picture when the medium differs', () => {
    expect(keyOf('create a photo of a red dog')).not.toBe(keyOf('create an illustration of a red dog'));
    expect(keyOf('create a photo of a red dog')).not.toBe(keyOf('a red dog'));
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(anyText, (prompt) => {
        const once = normalizePrompt(prompt);
        expect(normalizePrompt(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a contiguous run of the original words, dropping only leading filler and trailing punctuation', () => {
    fc.assert(
      fc.property(anyText, (prompt) => {
        const normalised = normalizePrompt(prompt);
        if (normalised === '') {
          expect(foldedWords(prompt)).toEqual([]);
          return;
        }
        expect(isFillerTrimmedTail(prompt, normalised)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves prompts without filler or trailing punctuation word for word', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...plainWords), { minLength: 1, maxLength: 8 }), (words) => {
        expect(normalizePrompt(words.join(' '))).toBe(words.join(' '));
      }),
    );
  });
});

describe('cacheKey', () => {
  it('is 64 lowercase hex digits and pinned for a known input, so a silent rule change cannot reuse old keys', () => {
    expect(CACHE_KEY_VERSION).toBe('genledger.cache.v1');
    expect(cacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
    // SHA-256 of ["genledger.cache.v1","a red dog","1:1",null,"1024x1024","standard","fal-ai/flux/schnell"]
    expect(cacheKey({ ...base, prompt: 'Please create an image of a red dog!' })).toBe(
      '7f4b6f9b99bf9bd9fd0b415676201f8f136ccac6003e7dc9c23c15082092a2a4',
    );
  });

  it.each<[string, Partial<CacheKeyInput>]>([
    ['aspect ratio', { aspectRatio: '16:9' }],
    ['quality', { quality: 'hd' }],
    ['style', { style: 'vivid' }],
    ['model', { model: 'dall-e-3' }],
    ['size', { size: '1024x1792' }],
    ['prompt', { prompt: 'a red cat' }],
  ])('changes with the %s', (_field, change) => {
    expect(cacheKey({ ...base, ...change })).not.toBe(cacheKey(base));
  });

  it('folds the style to trimmed lower case, and a blank style to none', () => {
    expect(cacheKey({ ...base, style: '  Vivid ' })).toBe(cacheKey({ ...base, style: 'vivid' }));
    expect(cacheKey({ ...base, style: ' ' })).toBe(cacheKey({ ...base, style: null }));
    expect(cacheKey({ ...base, style: 'null' })).not.toBe(cacheKey({ ...base, style: null }));
  });

  it('keeps field boundaries unambiguous', () => {
    expect(cacheKey({ ...base, size: '1024x1024', quality: 'hd' })).not.toBe(
      cacheKey({ ...base, size: '1024x1024h', quality: 'd' }),
    );
    expect(cacheKey({ ...base, prompt: 'a red dog', aspectRatio: '1:1' })).not.toBe(
      cacheKey({ ...base, prompt: 'a red dog","1:1', aspectRatio: '' }),
    );
  });

  it('is shared exactly when the normalised prompts are equal', () => {
    const variant = fc.record({
      shout: fc.boolean(),
      polite: fc.constantFrom('', 'please ', 'create an image of ', 'Could you draw me '),
      ending: fc.constantFrom('', '!', '...', ', please'),
    });
    fc.assert(
      fc.property(promptLike, promptLike, variant, (first, other, { shout, polite, ending }) => {
        for (const second of [other, `${polite}${shout ? first.toUpperCase() : first}${ending}`]) {
          const sameWords = normalizePrompt(first) === normalizePrompt(second);
          expect(keyOf(first) === keyOf(second)).toBe(sameWords);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('differs for every reordering of the words', () => {
    const words = fc.uniqueArray(fc.constantFrom(...plainWords), { minLength: 2, maxLength: 6 });
    fc.assert(
      fc.property(
        words.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length }))),
        ([list, shuffled]) => {
          fc.pre(list.join(' ') !== shuffled.join(' '));
          expect(keyOf(list.join(' '))).not.toBe(keyOf(shuffled.join(' ')));
        },
      ),
    );
  });
});

describe('promptHash', () => {
  it('hashes the normalised prompt alone, whatever the settings, and differs from the cache key', () => {
    expect(promptHash('Please draw a red dog!')).toBe(promptHash('a red dog'));
    expect(promptHash('a red dog')).toMatch(/^[0-9a-f]{64}$/);
    expect(promptHash('a red dog')).not.toBe(cacheKey(base));
    expect(promptHash('a red dog')).not.toBe(promptHash('a blue dog'));
  });
});
