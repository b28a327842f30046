import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** docs/architecture.md lists every decision record, numbered as the record is. */
const root = join(__dirname, '../..');
const architecture = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
const records = readdirSync(join(root, 'docs/decisions')).filter((file) => /^\d{4}-/.test(file));

describe('the decision records', () => {
  it('exist', () => {
    expect(records.length).toBeGreaterThan(20);
  });

  it.each(records)('docs/architecture.md lists %s under its number', (file) => {
    const number = Number(file.slice(0, 4));
    const entry = architecture
      .split('\n')
      .find((line) => /^\d+\. \[/.test(line) && line.includes(`](decisions/${file})`));
    expect(entry?.startsWith(`${number}. [`) ? number : entry).toBe(number);
  });
});
