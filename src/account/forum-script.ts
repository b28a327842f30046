/**
 * The Forum's own browser script (`/assets/forum.js`): it posts the login, sign-up and logout
 * forms with fetch and goes on to the page the visitor came for. Plain JavaScript, served as
 * is: it is small, and the CSP allows scripts from this origin only.
 */
export const FORUM_SCRIPT = `'use strict';
(() => {
  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content;
  // Only paths on this site: an open redirect would let a link send people anywhere.
  const safeNext = (next) => (/^\\/(?![\\/\\\\])/.test(next || '') ? next : '/');
  const ROUTES = { login: '/auth/login', signup: '/auth/register', logout: '/auth/logout' };

  document.addEventListener('submit', async (event) => {
    const form = event.target.closest('form[data-forum-auth]');
    if (!form) return;
    event.preventDefault();
    const kind = form.dataset.forumAuth;
    const fields = Object.fromEntries(new FormData(form));
    const body =
      kind === 'logout'
        ? {}
        : { username: fields.username, password: fields.password, profile: fields.name ? { name: fields.name } : undefined };
    const error = form.querySelector('.error');
    const button = form.querySelector('button');
    if (button) button.disabled = true;
    try {
      const headers = { 'content-type': 'application/json' };
      if (csrfToken()) headers['x-csrf-token'] = csrfToken();
      const response = await fetch(ROUTES[kind], { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
      if (!response.ok) {
        const answer = await response.json().catch(() => ({}));
        const message = Array.isArray(answer.message) ? answer.message.join(' ') : answer.message;
        throw new Error(message || 'The server answered ' + response.status + '.');
      }
      location.assign(kind === 'logout' ? '/' : safeNext(form.dataset.next));
    } catch (failure) {
      if (error) {
        error.textContent = failure.message;
        error.hidden = false;
      }
      if (button) button.disabled = false;
    }
  });
})();
`;
