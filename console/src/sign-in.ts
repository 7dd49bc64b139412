import { h, show } from './dom.js';
import { session } from './session.js';

/** The sign-in prompt, in place of a screen the token could not open; `reason` says why it is shown. */
export function showSignIn(root: HTMLElement, reason: string, onSignedIn: () => void): void {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const form = h(
    'form',
    {
      class: 'sign-in',
      onsubmit: (event: Event) => {
        event.preventDefault();
        session.signIn(input.value);
        onSignedIn();
      },
    },
    h('label', { for: 'token' }, 'Access token'),
    input,
    h('p', { class: 'hint' }, 'Paste a bearer token; `npm start` prints one in its banner. It is kept in this tab only.'),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  show(root, h('h1', {}, 'Sign in'), h('p', { class: 'notice error', role: 'alert' }, reason), form);
  input.focus();
}
