/** The pasted token lives for the tab only: session storage, never local storage or a cookie. */
const KEY = 'warp-console-token';

export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  signIn: (token: string) => sessionStorage.setItem(KEY, token.trim().replace(/^Bearer\s+/i, '')),
  signOut: () => sessionStorage.removeItem(KEY),
};
