import { RandomIdGenerator } from './ids';

describe('RandomIdGenerator', () => {
  it('makes prefixed, URL-safe ids of 16 characters after the prefix, all different across pool refills', () => {
    const ids = new RandomIdGenerator();
    const made = Array.from({ length: 2000 }, () => ids.prefixed('gen'));
    for (const id of made) expect(id).toMatch(/^gen_[A-Za-z0-9_-]{16}$/);
    expect(new Set(made).size).toBe(made.length);
  });
});
