import {
  Component,
  ComponentService,
  html,
  type LiveContext,
  On,
  repeat,
  type OnLiveProps,
} from '@lattice/live';
import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { FORUM_VERSION } from '../forum.constants';
import { userChannel } from '../questions/question.events';
import { User } from '../users/user.entity';

const SECTIONS = [
  { path: '/', label: 'Questions' },
  { path: '/ask', label: 'Ask' },
  { path: '/demo/counter', label: 'Counter' },
  { path: '/demo/list', label: 'Keyed list' },
];

interface HeaderState {
  path?: string;
  /** The logged-in visitor, or null. */
  user: { id: number; name: string; roles: string[] } | null;
}

/** The site's header: navigation with the current section marked, and who is logged in. */
@Component({ name: 'site-header' })
export class Header extends ComponentService<{ path?: string }, HeaderState> {
  constructor(@InjectLatticeRepository(User) private readonly users: LatticeRepository<User>) {
    super();
  }

  async mount(props: { path?: string }, context: LiveContext): Promise<HeaderState> {
    const identity = context.identity as { id: string; roles?: string[] } | null;
    // The token carries the email; people know themselves by their display name.
    const account =
      identity && (await this.users.repository.findOneBy({ id: Number(identity.id) }));
    return {
      path: props.path,
      user: account ? { id: account.id, name: account.name, roles: identity.roles ?? [] } : null,
    };
  }

  render({ path, user }: HeaderState) {
    const next = encodeURIComponent(path ?? '/');
    return html`<div class="site-header"><header><h1>Lattice Forum</h1><small>version ${FORUM_VERSION}</small><p>A real-time community Q&amp;A forum, and the sample app of Lattice, a real-time full-stack framework on NestJS. Votes appear in every open browser as people cast them.</p></header><nav>${SECTIONS.map(
      (s) => html`<a href="${s.path}" class="${s.path === path ? 'current' : ''}">${s.label}</a> `,
    )}<span class="account">${
      user
        ? html`<span class="notifications" data-user-channel="${userChannel(user.id)}" title="Answers to your questions"><button type="button" aria-label="Notifications">🔔 <b class="unread">0</b></button><ul hidden></ul></span> <a class="user" href="/account">${user.name}</a>${user.roles.includes('admin') || user.roles.includes('moderator') ? html` · <a href="/moderation">Moderation</a>` : ''}${user.roles.includes('admin') ? html` · <a href="/admin/queues">Queues</a>` : ''} <form data-forum-auth="logout" class="inline"><button>Log out</button></form>`
        : html`<a href="/login?next=${next}">Log in</a> <a href="/signup?next=${next}">Sign up</a>`
    }</span></nav></div>`;
  }
}

/** The site's footer. Static: rendered once per page. */
@Component({ name: 'site-footer' })
export class Footer extends ComponentService<Record<string, never>, Record<string, never>> {
  mount() {
    return {};
  }

  render() {
    return html`<footer><p>Service status: <a href="/health">/health</a> · Jobs (admins): <a href="/admin/queues">/admin/queues</a></p></footer>`;
  }
}

export interface SidebarProps {
  tags: Array<{ name: string; questionCount: number }>;
  active?: string;
}
interface SidebarState extends SidebarProps {
  showAll: boolean;
}
/** Tags shown before "Show all". */
const FEW = 5;

/**
 * The tags beside the question list, a child component of it: the list passes the tags it
 * loaded; "Show all" is the sidebar's own state and event, so a click re-renders only it.
 */
@Component({ name: 'site-sidebar' })
export class Sidebar
  extends ComponentService<SidebarProps, SidebarState>
  implements OnLiveProps<SidebarProps, SidebarState>
{
  mount(props: SidebarProps) {
    return { ...props, showAll: false };
  }

  onProps(props: SidebarProps, state: SidebarState) {
    return { ...state, ...props };
  }

  render({ tags, active, showAll }: SidebarState) {
    const shown = showAll ? tags : tags.slice(0, FEW);
    return html`<aside class="sidebar"><h2>Tags</h2><ul class="tags">${repeat(
      shown,
      (t) => t.name,
      (t) =>
        html`<li class="${t.name === active ? 'active' : ''}"><a href="/?tag=${t.name}">${t.name}</a> <span>${t.questionCount}</span></li>`,
    )}</ul>${
      tags.length > FEW
        ? html`<button class="more" data-l-click="toggle">${showAll ? 'Show fewer' : `Show all ${tags.length}`}</button>`
        : ''
    }</aside>`;
  }

  @On('toggle')
  toggle() {
    this.update((s) => ({ ...s, showAll: !s.showAll }));
  }
}
