import { describe, expect, it } from 'vitest';
import { pagesAhead } from '../../../shared/reconciliation/pages-ahead.js';

/** A scan of `count` pages whose fetches the test answers one by one. */
function scan(count: number, failAt?: number) {
  const asked: Array<string | undefined> = [];
  const answers: Array<() => void> = [];
  const fetch = (token: string | undefined) =>
    new Promise<number>((resolve, reject) => {
      asked.push(token);
      const n = token === undefined ? 0 : Number(token);
      answers.push(() => (n === failAt ? reject(new Error(`page ${n} failed`)) : resolve(n)));
    });
  const tokenAfter = (page: number) => (page + 1 < count ? String(page + 1) : undefined);
  const answerAll = async () => {
    while (answers.length > 0) {
      answers.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { asked, answers, fetch, tokenAfter, answerAll };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('pagesAhead', () => {
  it('asks for the first page at once, before handling starts', () => {
    const s = scan(3);
    pagesAhead(s.fetch, s.tokenAfter, undefined, 2);
    expect(s.asked).toEqual([undefined]);
  });

  it('fetches each page as the one before arrives, at most two ahead of a slow handler, and handles them in order', async () => {
    const s = scan(6);
    const handled: number[] = [];
    let release: () => void = () => undefined;
    const running = pagesAhead(
      s.fetch,
      s.tokenAfter,
      undefined,
      2,
    )(async (page) => {
      handled.push(page);
      if (page === 0) await new Promise<void>((r) => (release = r));
    });
    await s.answerAll();
    await settle();
    // Page 0 held in handling; pages 1 and 2 fetched meanwhile, page 3 waits for room.
    expect(s.asked).toEqual([undefined, '1', '2']);
    expect(handled).toEqual([0]);
    release();
    while (handled.length < 6) {
      await s.answerAll();
      await settle();
    }
    await running;
    expect(handled).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.asked).toEqual([undefined, '1', '2', '3', '4', '5']);
  });

  it('fails when a failed page comes to be handled, after the pages before it, and fetches nothing past it', async () => {
    const s = scan(5, 2);
    const handled: number[] = [];
    const running = pagesAhead(s.fetch, s.tokenAfter, '1', 2)(async (page) => void handled.push(page));
    const outcome = running.then(
      () => 'resolved',
      (err: Error) => err.message,
    );
    await s.answerAll();
    expect(await outcome).toBe('page 2 failed');
    expect(handled).toEqual([1]);
    expect(s.asked).toEqual(['1', '2']);
  });

  it('leaves no unhandled rejection when handling stops before a failed page', async () => {
    const s = scan(4, 1);
    const running = pagesAhead(
      s.fetch,
      s.tokenAfter,
      undefined,
      2,
    )(async () => {
      throw new Error('handler failed');
    });
    const outcome = running.catch((err: Error) => err.message);
    // Page 1 fails while page 0 is being handled; vitest fails the test on an unhandled rejection.
    await s.answerAll();
    expect(await outcome).toBe('handler failed');
    expect(s.asked).toEqual([undefined, '1']);
    await settle();
  });

  it('fails at its turn a page whose fetch throws instead of rejecting, after the pages before it', async () => {
    const handled: number[] = [];
    const fetch = (token: string | undefined): Promise<number> => {
      if (token === '1') throw new Error('thrown while asking');
      return Promise.resolve(0);
    };
    const running = pagesAhead(fetch, (page) => String(page + 1), undefined, 2)(async (page) => void handled.push(page));
    await expect(running).rejects.toThrow('thrown while asking');
    expect(handled).toEqual([0]);
  });
});
