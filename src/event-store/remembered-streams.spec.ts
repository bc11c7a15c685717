import { RememberedStreams } from './remembered-streams';

describe('RememberedStreams', () => {
  it('hands a remembered stream out once', () => {
    const streams = new RememberedStreams<string>();
    streams.remember('a', { state: 'pending', version: 1 });
    expect(streams.take('a')).toEqual({ state: 'pending', version: 1 });
    expect(streams.take('a')).toBeUndefined();
  });

  it('keeps the newest state of a stream remembered twice', () => {
    const streams = new RememberedStreams<string>();
    streams.remember('a', { state: 'pending', version: 1 });
    streams.remember('a', { state: 'calling', version: 2 });
    expect(streams.take('a')).toEqual({ state: 'calling', version: 2 });
  });

  it('forgets the oldest streams beyond its limit', () => {
    const streams = new RememberedStreams<number>(2);
    streams.remember('a', { state: 1, version: 1 });
    streams.remember('b', { state: 2, version: 1 });
    streams.remember('a', { state: 3, version: 2 });
    streams.remember('c', { state: 4, version: 1 });
    expect(streams.size).toBe(2);
    expect(streams.take('b')).toBeUndefined();
    expect(streams.take('a')).toEqual({ state: 3, version: 2 });
    expect(streams.take('c')).toEqual({ state: 4, version: 1 });
  });
});
