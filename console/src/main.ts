import { ApiError } from './api.js';
import { h, show } from './dom.js';
import { session } from './session.js';
import { showSignIn } from './sign-in.js';
import type { Screen } from './screen.js';
import { healthScreen } from './screens/health.js';
import { customerScreen } from './screens/customer.js';
import { conflictsScreen } from './screens/conflicts.js';
import { reconciliationScreen } from './screens/reconciliation.js';
import { failuresScreen } from './screens/failures.js';

const screens: Record<string, Screen> = {
  health: healthScreen,
  customer: customerScreen,
  conflicts: conflictsScreen,
  reconciliation: reconciliationScreen,
  failures: failuresScreen,
};

const main = document.getElementById('main')!;
const signOut = document.getElementById('sign-out')!;
let generation = 0;

function signInReason(err: ApiError | undefined): string {
  if (!err || !session.token()) return 'Sign in to use the console.';
  if (err.status === 403) return `This token may not do that (403 ${err.code}): ${err.message}. Sign in with another token.`;
  return `The token was refused (401 ${err.code}): ${err.message}. Sign in again.`;
}

/** Shows the screen the hash names: `#/<screen>/<param>...?<query>`. */
async function route(): Promise<void> {
  const current = ++generation;
  const [path = '', search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name = 'health', ...params] = path.split('/').filter(Boolean).map(decodeURIComponent);
  const screen = screens[name] ?? healthScreen;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.getAttribute('href') === `#/${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  signOut.hidden = !session.token();
  if (!session.token()) return showSignIn(main, signInReason(undefined), () => void route());
  try {
    await screen(main, { params, query: new URLSearchParams(search), alive: () => current === generation, refresh: () => void route() });
  } catch (err) {
    if (current !== generation) return;
    if (err instanceof ApiError && err.needsSignIn) return showSignIn(main, signInReason(err), () => void route());
    show(
      main,
      h('h1', {}, 'Something went wrong'),
      h('p', { class: 'notice error', role: 'alert' }, err instanceof Error ? err.message : String(err)),
    );
  }
  // Move focus to the new screen's heading, so keyboard and screen reader users land on it.
  if (current === generation) main.querySelector('h1')?.setAttribute('tabindex', '-1');
}

signOut.addEventListener('click', () => {
  session.signOut();
  void route();
});
// A click on the screen already shown reads it afresh (the hash does not change, so no hashchange).
for (const link of document.querySelectorAll('nav a')) {
  link.addEventListener('click', () => {
    if (link.getAttribute('href') === location.hash) void route();
  });
}
window.addEventListener('hashchange', () => {
  void route().then(() => (main.querySelector('h1') as HTMLElement | null)?.focus());
});
void route();
