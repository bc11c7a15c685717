import fc from 'fast-check';
import { decoratorValidationPipe } from '../../common/http/validation';
import { GenerateImageBody } from './generate-image.dto';

const decorators = decoratorValidationPipe();
/** A copy made in this realm, as the JSON parser makes request bodies (structuredClone's are not). */
const copy = (body: unknown): unknown => JSON.parse(JSON.stringify(body));
const bySlowPath = (body: unknown): Promise<unknown> =>
  decorators.transform(copy(body), { type: 'body', metatype: GenerateImageBody });

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', '  a lighthouse at dawn  ', '\uFE0F', ' \uFE0E\uFE0F ', 'a\uFE0F', '😀', 'x'.repeat(2000)),
  fc.constantFrom(
    ' '.repeat(3) + 'y'.repeat(2000),
    'z'.repeat(2001),
    '1:1',
    '16:9',
    'hd',
    'standard',
    'premium',
    'vivid',
  ),
);
const anyValue = fc.oneof(text, fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }));
/** Mostly allowed values, sometimes anything: both sides of every rule get tried. */
const mostly = <T>(allowed: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: allowed, weight: 6 }, { arbitrary: anyValue as fc.Arbitrary<unknown>, weight: 1 });
const NO_EXTRA = Symbol('no extra field');
const body = fc
  .tuple(
    fc.record(
      {
        prompt: mostly(text),
        aspectRatio: mostly(fc.constantFrom('1:1', '16:9', '9:16', '4:3', '2:1')),
        style: mostly(fc.constantFrom('vivid', 'natural light', 'a-b 1', 'Bold', 'x'.repeat(41))),
        quality: mostly(fc.constantFrom('standard', 'hd', 'HD')),
        tier: mostly(fc.constantFrom('premium', 'standard', 'basic')),
      },
      { requiredKeys: [] },
    ),
    fc.oneof({ arbitrary: fc.constant(NO_EXTRA), weight: 9 }, { arbitrary: anyValue, weight: 1 }),
  )
  .map(([fields, extra]) => (extra === NO_EXTRA ? fields : { ...fields, extra }));

describe('GenerateImageBody.validateFast', () => {
  it('accepts a plain body as the decorators do: fields kept, the prompt trimmed', async () => {
    const plain = {
      prompt: '  a lighthouse at dawn  ',
      aspectRatio: '16:9',
      style: 'vivid',
      quality: 'hd',
      tier: 'standard',
    };
    const fast = GenerateImageBody.validateFast(plain);
    expect(fast).toBeInstanceOf(GenerateImageBody);
    expect(fast).toEqual({ ...plain, prompt: 'a lighthouse at dawn' });
    expect(fast).toEqual(await bySlowPath(plain));
  });

  it('leaves to the decorators what they would refuse or what needs their wording', () => {
    for (const refused of [
      {},
      { prompt: '   ' },
      { prompt: 'a', extra: 1 },
      { prompt: 'a', style: null },
      { prompt: 'z'.repeat(2001) },
    ]) {
      expect(GenerateImageBody.validateFast(refused)).toBeUndefined();
    }
  });

  it('answers, whenever it answers, exactly what class-transformer and class-validator make of the body', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(body, async (candidate) => {
        const fast = GenerateImageBody.validateFast(copy(candidate));
        if (fast === undefined) return;
        answered += 1;
        expect(fast).toBeInstanceOf(GenerateImageBody);
        expect(fast).toEqual(await bySlowPath(candidate));
      }),
      { numRuns: 2000 },
    );
    // The property says something only if the fast path answered for a fair share of the bodies.
    expect(answered).toBeGreaterThan(20);
  });
});
