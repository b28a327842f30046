import { Component, ComponentService, html } from '@lattice/live';

export interface AccountFormProps {
  /** Where to go after logging in: a path on this site. */
  next: string;
}

/**
 * The login form. Static (no live events): `/assets/forum.js` posts it to `/auth/login` with
 * fetch, since cookies can only be set by an HTTP response, not over the WebSocket. The form's
 * own method is POST, so without the script a password never ends up in a URL.
 */
@Component({ name: 'login-form' })
export class LoginForm extends ComponentService<AccountFormProps, AccountFormProps> {
  mount(props: AccountFormProps) {
    return props;
  }

  render({ next }: AccountFormProps) {
    return html`<main class="account"><h2>Log in</h2><form method="post" data-forum-auth="login" data-next="${next}"><label>Email <input type="email" name="username" autocomplete="username" required maxlength="190"></label><label>Password <input type="password" name="password" autocomplete="current-password" required></label><button>Log in</button><p class="error" role="alert" hidden></p></form><p>No account yet? <a href="/signup?next=${encodeURIComponent(next)}">Sign up</a>.</p></main>`;
  }
}

/** The sign-up form; posts to `/auth/register` (see LoginForm). */
@Component({ name: 'signup-form' })
export class SignupForm extends ComponentService<AccountFormProps, AccountFormProps> {
  mount(props: AccountFormProps) {
    return props;
  }

  render({ next }: AccountFormProps) {
    return html`<main class="account"><h2>Sign up</h2><form method="post" data-forum-auth="signup" data-next="${next}"><label>Name <input name="name" autocomplete="nickname" required maxlength="80"></label><label>Email <input type="email" name="username" autocomplete="username" required maxlength="190"></label><label>Password <input type="password" name="password" autocomplete="new-password" required minlength="8"> <small>8 characters or more</small></label><button>Create my account</button><p class="error" role="alert" hidden></p></form><p>Already have one? <a href="/login?next=${encodeURIComponent(next)}">Log in</a>.</p></main>`;
  }
}
