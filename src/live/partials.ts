import { html, repeat } from '@lattice/live';
import { FORUM_VERSION } from '../forum.constants';

// The page furniture as template functions: rendered inside the live component, so they update
// with it (a tag count in the sidebar changes in the same diff as the list).

export const header = () =>
  html`<header><h1>Lattice Forum</h1><small>version ${FORUM_VERSION}</small><p>A real-time community Q&amp;A forum, and the sample app of Lattice, a real-time full-stack framework on NestJS. Votes appear in every open browser as people cast them.</p></header>`;

export const sidebar = (tags: Array<{ name: string; questionCount: number }>, active?: string) =>
  html`<aside><h2>Tags</h2><ul class="tags">${repeat(
    tags,
    (t) => t.name,
    (t) =>
      html`<li class="${t.name === active ? 'active' : ''}"><a href="/?tag=${t.name}">${t.name}</a> <span>${t.questionCount}</span></li>`,
  )}</ul></aside>`;

export const footer = () =>
  html`<footer><p>Service status: <a href="/health">/health</a> · Jobs: <a href="/admin/queues">/admin/queues</a></p></footer>`;

export const STYLES = `<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1f2937; }
h1 { margin-bottom: .25rem; } small { color: #6b7280; }
.layout { display: grid; grid-template-columns: 1fr 14rem; gap: 2rem; }
.questions { list-style: none; padding: 0; } .questions li { display: flex; gap: .75rem; align-items: baseline; padding: .4rem 0; border-bottom: 1px solid #e5e7eb; }
.vote { min-width: 3.5rem; } .vote b { display: inline-block; min-width: 2ch; text-align: right; }
.tags { list-style: none; padding: 0; } .tags li.active a { font-weight: bold; }
nav a { margin-right: 1rem; } nav a.current { font-weight: bold; text-decoration: none; }
html.l-disconnected body::before { content: 'Reconnecting…'; position: fixed; top: 0; left: 0; right: 0; background: #fef3c7; text-align: center; }
[aria-busy="true"] { opacity: .6; }
</style>`;
