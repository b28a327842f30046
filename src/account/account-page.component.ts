import { Component, ComponentService, html, type LiveContext } from '@lattice/live';

interface AccountPageState {
  loggedIn: boolean;
}

/**
 * `/account`: the member's sessions. "Log out everywhere" posts `/auth/logout-all` (with the
 * page's CSRF token, through `/assets/forum.js`): every session of the account ends at once, on
 * every device and node, and their open pages' sockets close.
 */
@Component({ name: 'account-page' })
export class AccountPage extends ComponentService<Record<string, never>, AccountPageState> {
  mount(_props: Record<string, never>, context: LiveContext): AccountPageState {
    return { loggedIn: context.identity !== null };
  }

  render({ loggedIn }: AccountPageState) {
    if (!loggedIn)
      return html`<main class="account"><h2>Your account</h2><p><a href="/login?next=/account">Log in</a> to see it.</p></main>`;
    return html`<main class="account"><h2>Your account</h2><h3>Sessions</h3><p>Lost a device, or logged in on a shared computer? End every session of your account, on every device, this one too.</p><form method="post" data-forum-auth="logout-all"><button>Log out everywhere</button><p class="error" role="alert" hidden></p></form></main>`;
  }
}
