import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { Component, ComponentService, html, type LiveContext } from '@lattice/live';
import { Tag } from '../tag.entity';

interface AskFormState {
  loggedIn: boolean;
  tags: string[];
}

/**
 * The "ask a question" form (`/ask`). Static: `/assets/forum.js` posts it to `POST /questions`
 * with the page's CSRF token and opens the new question's page.
 */
@Component({ name: 'ask-form' })
export class AskForm extends ComponentService<Record<string, never>, AskFormState> {
  constructor(@InjectLatticeRepository(Tag) private readonly tags: LatticeRepository<Tag>) {
    super();
  }

  async mount(_props: Record<string, never>, context: LiveContext): Promise<AskFormState> {
    const tags = await this.tags.repository.find({ order: { name: 'ASC' } });
    return { loggedIn: context.identity !== null, tags: tags.map((tag) => tag.name) };
  }

  render({ loggedIn, tags }: AskFormState) {
    if (!loggedIn)
      return html`<main class="account"><h2>Ask a question</h2><p><a href="/login?next=/ask">Log in</a> or <a href="/signup?next=/ask">sign up</a> to ask.</p></main>`;
    return html`<main class="account"><h2>Ask a question</h2><form method="post" data-forum-ask><label>Title <input name="title" required minlength="10" maxlength="200"></label><label>Details <textarea name="body" required maxlength="20000" rows="6"></textarea></label><fieldset><legend>Tags (one to five)</legend>${tags.map((tag) => html`<label class="tag"><input type="checkbox" name="tags" value="${tag}"> ${tag}</label> `)}</fieldset><button>Ask</button><p class="error" role="alert" hidden></p></form></main>`;
  }
}
