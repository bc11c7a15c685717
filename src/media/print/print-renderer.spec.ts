import { DomainError } from '../../common/domain-error';
import type { PrintAssets } from './print-assets';
import { PrintRenderer, type ProducePrint } from './print-renderer';
import type { PrintPlan } from './print-size';

const PLAN: PrintPlan = {
  widthInches: 1,
  heightInches: 1,
  dpi: 150,
  widthPx: 150,
  heightPx: 150,
  widthPt: 72,
  heightPt: 72,
};
const META = { title: 'gated', createdAt: new Date('2026-11-25T12:00:00Z') };
const ASSETS = {} as PrintAssets;

/** A render that finishes only when the test says so, counting how many run at once. */
function gatedProduce() {
  const gates: Array<() => void> = [];
  const state = { running: 0, peak: 0, started: 0 };
  const produce: ProducePrint = async () => {
    state.running++;
    state.started++;
    state.peak = Math.max(state.peak, state.running);
    await new Promise<void>((resolve) => gates.push(resolve));
    state.running--;
    return ASSETS;
  };
  const finishOne = async () => {
    const gate = gates.shift();
    if (!gate) throw new Error('no render is running');
    gate();
    await flush();
  };
  return { produce, state, finishOne };
}

/** Lets every promise that can settle now do so. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** What a selection does with the renderer: a slot, one render in it, the slot released. */
async function select(renderer: PrintRenderer): Promise<PrintAssets> {
  const slot = await renderer.acquire();
  try {
    return await slot.render(Buffer.alloc(0), PLAN, META);
  } finally {
    slot.release();
  }
}

describe('PrintRenderer', () => {
  it('runs at most `concurrency` renders, queues `queueLength` more and refuses the rest at once', async () => {
    const { produce, state, finishOne } = gatedProduce();
    const renderer = new PrintRenderer({ concurrency: 2, queueLength: 3 }, produce);

    const outcomes = Array.from({ length: 20 }, () =>
      select(renderer).then(
        () => 'rendered',
        (error: unknown) => error,
      ),
    );
    await flush();

    expect(renderer.load()).toEqual({ running: 2, waiting: 3 });
    expect(state.started).toBe(2);
    const refused = await Promise.all(outcomes.slice(5));
    for (const error of refused) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('print_busy');
      expect((error as DomainError).details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }

    for (let finished = 0; finished < 5; finished++) await finishOne();
    await expect(Promise.all(outcomes.slice(0, 5))).resolves.toEqual(Array(5).fill('rendered'));
    expect(state.peak).toBe(2);
    expect(state.started).toBe(5);
    expect(renderer.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('hands a released slot to the longest-waiting caller', async () => {
    const { produce, finishOne } = gatedProduce();
    const renderer = new PrintRenderer({ concurrency: 1, queueLength: 2 }, produce);
    const order: string[] = [];

    const first = select(renderer).then(() => order.push('first'));
    const second = select(renderer).then(() => order.push('second'));
    const third = select(renderer).then(() => order.push('third'));
    await flush();
    await finishOne();
    await finishOne();
    await finishOne();
    await Promise.all([first, second, third]);

    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('frees the slot of a render that fails, and a slot released twice frees one place only', async () => {
    const failing: ProducePrint = () => Promise.reject(new Error('corrupt source'));
    const renderer = new PrintRenderer({ concurrency: 1, queueLength: 0 }, failing);

    await expect(select(renderer)).rejects.toThrow('corrupt source');
    expect(renderer.load()).toEqual({ running: 0, waiting: 0 });

    const slot = await renderer.acquire();
    slot.release();
    slot.release();
    const again = await renderer.acquire();
    await expect(renderer.acquire()).rejects.toMatchObject({ code: 'print_busy' });
    again.release();
  });

  it('asks a refused caller to come back once the work ahead of it should be done', async () => {
    const { produce, finishOne } = gatedProduce();
    const renderer = new PrintRenderer({ concurrency: 1, queueLength: 1 }, produce);
    const running = select(renderer);
    const queued = select(renderer);
    await flush();

    const refusal = await select(renderer).catch((error: DomainError) => error);

    // Two renders ahead (one running, one waiting) at the first estimate of 2 s each.
    expect(refusal).toMatchObject({ code: 'print_busy', details: { retryAfterSeconds: 4 } });
    expect((refusal as DomainError).message).toMatch(/nothing was recorded/);
    await finishOne();
    await finishOne();
    await Promise.all([running, queued]);
  });
});
