import { useEffect, useState } from 'preact/hooks';

/** The app's pages, by path segment under the base path. */
export const PAGES = ['chat', 'nodes', 'devices', 'channels', 'status', 'logs'] as const;
export type Page = (typeof PAGES)[number];

const basePath = (): string => new URL(document.baseURI).pathname.replace(/\/$/, '');

/** The page of the current location (unknown paths show the chat). */
export function currentPage(): Page {
  const rest = location.pathname.slice(basePath().length).replace(/^\/+/, '').split('/')[0] ?? '';
  return (PAGES as readonly string[]).includes(rest) ? (rest as Page) : 'chat';
}

/** Goes to a page without a reload. */
export function navigate(page: Page): void {
  history.pushState(null, '', `${basePath()}/${page}`);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePage(): Page {
  const [page, setPage] = useState(currentPage);
  useEffect(() => {
    const onPop = (): void => setPage(currentPage());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return page;
}
