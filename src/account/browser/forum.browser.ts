/**
 * The Forum's own browser script (`/assets/forum.<hash>.js`): it posts the login, sign-up and
 * logout forms with fetch and goes on to the page the visitor came for, lists who is viewing a
 * question (a presence channel) and shows a member's notifications (their private channel),
 * with the channels client on the live runtime's socket. Plain JavaScript, served as is: it is
 * small, and the CSP allows scripts from this origin only. Text from the server goes in with
 * textContent, never as markup.
 */
export const FORUM_SCRIPT = `'use strict';
(() => {
  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content;
  // Only paths on this site: an open redirect would let a link send people anywhere.
  const safeNext = (next) => (/^\\/(?![\\/\\\\])/.test(next || '') ? next : '/');
  const ROUTES = { login: '/auth/login', signup: '/auth/register', logout: '/auth/logout' };

  const post = async (path, body) => {
    const headers = { 'content-type': 'application/json' };
    if (csrfToken()) headers['x-csrf-token'] = csrfToken();
    const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = Array.isArray(answer.message) ? answer.message.join(' ') : answer.message;
      throw new Error(message || 'The server answered ' + response.status + '.');
    }
    return answer;
  };
  const showError = (form, failure) => {
    const error = form.querySelector('.error');
    if (error) {
      error.textContent = failure.message;
      error.hidden = false;
    }
    const button = form.querySelector('button');
    if (button) button.disabled = false;
  };

  // Asking a question: the new question's page opens.
  document.addEventListener('submit', async (event) => {
    const form = event.target.closest('form[data-forum-ask]');
    if (!form) return;
    event.preventDefault();
    form.querySelector('button').disabled = true;
    const data = new FormData(form);
    try {
      const question = await post('/questions', { title: data.get('title'), body: data.get('body'), tags: data.getAll('tags') });
      location.assign('/q/' + Number(question.id));
    } catch (failure) {
      showError(form, failure);
    }
  });

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
    form.querySelector('button').disabled = true;
    try {
      await post(ROUTES[kind], body);
      location.assign(kind === 'logout' ? '/' : safeNext(form.dataset.next));
    } catch (failure) {
      showError(form, failure);
    }
  });

  addEventListener('DOMContentLoaded', () => {
    const presence = document.querySelector('[data-presence-channel]');
    const inbox = document.querySelector('[data-user-channel]');
    if (!window.LatticeEvents || (!presence && !inbox)) return;
    const events = window.LatticeEvents.connect();

    if (presence) {
      const list = presence.querySelector('ul');
      const members = new Map();
      const draw = () => {
        list.replaceChildren(
          ...[...members.values()].map((member) => {
            const item = document.createElement('li');
            item.textContent = member.info.name;
            return item;
          }),
        );
      };
      const viewers = events.subscribe(presence.dataset.presenceChannel);
      viewers.here((all) => {
        members.clear();
        for (const member of all) members.set(member.key, member);
        draw();
      });
      viewers.joining((member) => {
        members.set(member.key, member);
        draw();
      });
      viewers.leaving((member) => {
        members.delete(member.key);
        draw();
      });
    }

    if (inbox) {
      const unread = inbox.querySelector('.unread');
      const list = inbox.querySelector('ul');
      inbox.querySelector('button').addEventListener('click', () => {
        list.hidden = !list.hidden;
        unread.textContent = '0';
      });
      events.subscribe(inbox.dataset.userChannel).listen('notification', (notice) => {
        const item = document.createElement('li');
        const link = document.createElement('a');
        link.href = '/q/' + Number(notice.questionId) + '#a' + Number(notice.answerId);
        link.textContent = notice.by + ' answered "' + notice.title + '"';
        item.append(link);
        list.prepend(item);
        unread.textContent = String(Number(unread.textContent) + 1);
      });
    }
  });
})();
`;
