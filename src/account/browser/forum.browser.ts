/// <reference lib="dom" />
// The Forum's own browser script (`/assets/forum.<hash>.js`, built by ForumScript with socket's
// browser-script builder): it posts the login, sign-up, logout and ask forms with fetch and goes
// on to the page the visitor came for, lists who is viewing a question (a presence channel) and
// shows a member's notifications (their private channel), with the channels client on the live
// runtime's socket. The CSP allows scripts from this origin only. Text from the server goes in
// with textContent, never as markup.
import type { EventsClient, PresenceMember } from '@lattice/events/client';

interface PageWindow {
  /** Set by the channels client script (`/lattice/events/events.<hash>.js`). */
  LatticeEvents?: { connect(): EventsClient };
}

type AuthKind = 'login' | 'signup' | 'logout' | 'logout-all';

const ROUTES: Record<AuthKind, string> = {
  login: '/auth/login',
  signup: '/auth/register',
  logout: '/auth/logout',
  'logout-all': '/auth/logout-all',
};

/** A notification on a member's channel: an answer to one of their questions. */
interface Notice {
  questionId: number;
  answerId: number;
  by: string;
  title: string;
}

const csrfToken = (): string | undefined =>
  document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content;

// Only paths on this site: an open redirect would let a link send people anywhere.
const safeNext = (next: string | undefined): string =>
  /^\/(?![/\\])/.test(next ?? '') ? next! : '/';

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = csrfToken();
  if (token) headers['x-csrf-token'] = token;
  const response = await fetch(path, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  const answer = (await response.json().catch(() => ({}))) as { message?: string | string[] };
  if (!response.ok) {
    const message = Array.isArray(answer.message) ? answer.message.join(' ') : answer.message;
    throw new Error(message || `The server answered ${response.status}.`);
  }
  return answer as Record<string, unknown>;
}

function showError(form: HTMLFormElement, failure: unknown): void {
  const error = form.querySelector<HTMLElement>('.error');
  if (error) {
    error.textContent = failure instanceof Error ? failure.message : String(failure);
    error.hidden = false;
  }
  const button = form.querySelector('button');
  if (button) button.disabled = false;
}

/** The form `event` was submitted from, when it matches `selector`. */
function formOf(event: Event, selector: string): HTMLFormElement | null {
  return event.target instanceof Element ? event.target.closest<HTMLFormElement>(selector) : null;
}

function disableButton(form: HTMLFormElement): void {
  const button = form.querySelector('button');
  if (button) button.disabled = true;
}

// Asking a question: the new question's page opens.
document.addEventListener('submit', async (event) => {
  const form = formOf(event, 'form[data-forum-ask]');
  if (!form) return;
  event.preventDefault();
  disableButton(form);
  const data = new FormData(form);
  try {
    const question = await post('/questions', {
      title: data.get('title'),
      body: data.get('body'),
      tags: data.getAll('tags'),
    });
    location.assign(`/q/${Number(question.id)}`);
  } catch (failure) {
    showError(form, failure);
  }
});

// Login, sign-up, logout and "log out everywhere": the cookies come with the HTTP response.
document.addEventListener('submit', async (event) => {
  const form = formOf(event, 'form[data-forum-auth]');
  if (!form) return;
  event.preventDefault();
  const kind = form.dataset.forumAuth as AuthKind;
  const fields = new FormData(form);
  const name = fields.get('name');
  const leaving = kind === 'logout' || kind === 'logout-all';
  const body = leaving
    ? {}
    : {
        username: fields.get('username'),
        password: fields.get('password'),
        profile: name ? { name } : undefined,
      };
  disableButton(form);
  try {
    await post(ROUTES[kind], body);
    location.assign(leaving ? '/' : safeNext(form.dataset.next));
  } catch (failure) {
    showError(form, failure);
  }
});

addEventListener('DOMContentLoaded', () => {
  const presence = document.querySelector<HTMLElement>('[data-presence-channel]');
  const inbox = document.querySelector<HTMLElement>('[data-user-channel]');
  const channels = (window as unknown as PageWindow).LatticeEvents;
  if (!channels || (!presence && !inbox)) return;
  const events = channels.connect();
  if (presence) showViewers(events, presence);
  if (inbox) showNotifications(events, inbox);
});

/** "Viewing now" beside a question: the members of its presence channel, by display name. */
function showViewers(events: EventsClient, presence: HTMLElement): void {
  const list = presence.querySelector('ul')!;
  const members = new Map<string, PresenceMember>();
  const draw = () =>
    list.replaceChildren(
      ...[...members.values()].map((member) => {
        const item = document.createElement('li');
        item.textContent = (member.info as { name: string }).name;
        return item;
      }),
    );
  const viewers = events.subscribe(presence.dataset.presenceChannel!);
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

/** The header's bell: answers to the member's questions, from their private channel. */
function showNotifications(events: EventsClient, inbox: HTMLElement): void {
  const unread = inbox.querySelector('.unread')!;
  const list = inbox.querySelector('ul')!;
  inbox.querySelector('button')!.addEventListener('click', () => {
    list.hidden = !list.hidden;
    unread.textContent = '0';
  });
  events.subscribe(inbox.dataset.userChannel!).listen('notification', (data) => {
    const notice = data as Notice;
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = `/q/${Number(notice.questionId)}#a${Number(notice.answerId)}`;
    link.textContent = `${notice.by} answered "${notice.title}"`;
    item.append(link);
    list.prepend(item);
    unread.textContent = String(Number(unread.textContent) + 1);
  });
}
