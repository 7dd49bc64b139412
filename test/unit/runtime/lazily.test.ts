import { describe, expect, it } from 'vitest';
import { lazily } from '../../../shared/runtime/lazily.js';

describe('lazily', () => {
  it('builds on the first call only, and keeps the result', async () => {
    let builds = 0;
    const get = lazily(async () => ({ n: (builds += 1) }));
    expect(builds).toBe(0);
    const first = await get();
    const second = await get();
    expect(first).toBe(second);
    expect(builds).toBe(1);
  });

  it('lets concurrent callers share the one build in flight', async () => {
    let builds = 0;
    let finish!: (value: string) => void;
    const get = lazily(() => {
      builds += 1;
      return new Promise<string>((resolve) => (finish = resolve));
    });
    const callers = [get(), get(), get()];
    expect(builds).toBe(1);
    finish('ready');
    expect(await Promise.all(callers)).toEqual(['ready', 'ready', 'ready']);
    expect(builds).toBe(1);
  });

  it('forgets a failed build, so the next call builds again', async () => {
    let builds = 0;
    const get = lazily(async () => {
      builds += 1;
      if (builds === 1) throw new Error('Secret Manager unavailable');
      return 'ready';
    });
    await expect(get()).rejects.toThrow('Secret Manager unavailable');
    await expect(get()).resolves.toBe('ready');
    await expect(get()).resolves.toBe('ready');
    expect(builds).toBe(2);
  });
});
