/**
 * A scan's pages, fetched ahead of their handling: each page is asked for as soon as the one
 * before it arrives (while at most `ahead` wait: pages fetched, or on their way, and not yet
 * handled, beside the one being handled), so the scan moves at HubSpot's pace and the database
 * work on earlier pages goes on meanwhile. The first page is asked for at once; the returned
 * function handles the pages in order. A page that fails fails the handling when its turn comes.
 */
export function pagesAhead<P>(
  fetch: (token: string | undefined) => Promise<P>,
  tokenAfter: (page: P) => string | undefined,
  start: string | undefined,
  ahead: number,
): (handle: (page: P) => Promise<void>) => Promise<void> {
  // Fetched or on their way, not handled yet; a page leaves as its handling starts.
  const pages: Array<Promise<P>> = [];
  // null once the last page (or a failed one) is on its way.
  let next: { token: string | undefined } | null = { token: start };
  let fetching = false;
  const fetchNext = () => {
    if (fetching || next === null || pages.length >= ahead) return;
    fetching = true;
    const page = fetchSafely(fetch, next.token);
    pages.push(page);
    // Settled before the handler awaits this page (registered first), so the next fetch is on its way by then.
    page.then(
      (p) => {
        const token = tokenAfter(p);
        next = token === undefined ? null : { token };
        fetching = false;
        fetchNext();
      },
      () => {
        next = null;
        fetching = false;
      },
    );
  };
  fetchNext();
  return async (handle) => {
    for (let page = pages.shift(); page; page = pages.shift()) {
      fetchNext(); // the page taken made room
      await handle(await page);
    }
  };
}

/** A fetch that throws instead of rejecting still fails its own page, not the pager. */
function fetchSafely<P>(fetch: (token: string | undefined) => Promise<P>, token: string | undefined): Promise<P> {
  try {
    return fetch(token);
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
