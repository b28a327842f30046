import { live } from '@lattice/live';
import { Sidebar, type SidebarProps } from './site-components';

/** The tag sidebar, placed as a child component of the page that shows it. */
export const sidebar = (tags: SidebarProps['tags'], active?: string) =>
  live(Sidebar, { tags, active });

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
nav .account { float: right; } form.inline { display: inline; }
.account label { display: block; margin: .5rem 0; } .account input { display: block; width: 20rem; }
.error, .notice { color: #b91c1c; }
.notifications { position: relative; } .notifications ul { position: absolute; right: 0; background: #fff; border: 1px solid #e5e7eb; padding: .5rem 1rem; width: 20rem; list-style: none; z-index: 1; }
.question-page .question-body { display: flex; gap: 1rem; } .answers li { border-bottom: 1px solid #e5e7eb; padding: .5rem 0; }
.awaiting-review { background: #fef3c7; padding: .25rem .5rem; } .summary { color: #374151; font-style: italic; }
.similar ul, .held { padding-left: 1.25rem; } .suggested a.tag { margin-right: .5rem; } .held blockquote { margin: .25rem 0; color: #374151; }
.assistant { border-top: 1px solid #e5e7eb; margin-top: 1rem; } .assistant .draft { white-space: pre-wrap; }
.markdown { min-width: 0; } .markdown pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; } .markdown table { border-collapse: collapse; } .markdown th, .markdown td { border: 1px solid #e5e7eb; padding: .25rem .5rem; } .markdown img { max-width: 100%; }
.hljs-keyword, .hljs-built_in, .hljs-type { color: #7c3aed; } .hljs-string, .hljs-regexp { color: #047857; } .hljs-number, .hljs-literal { color: #b45309; } .hljs-comment { color: #6b7280; font-style: italic; } .hljs-title, .hljs-attr { color: #1d4ed8; }
.answer-form textarea { display: block; width: 100%; } .viewers { border-top: 1px solid #e5e7eb; margin-top: 1rem; } .viewers ul { list-style: none; padding: 0; display: flex; gap: 1rem; }
</style>`;
