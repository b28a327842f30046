import { run } from '../testing/app-tree';

describe('policy schematic', () => {
  it('generates permissions, @Can rules and the owners resolver, in the providers', async () => {
    const tree = await run('policy', { name: 'invoice' });
    const source = tree.readText('/src/invoice/invoice.policy.ts');
    expect(source).toContain("export const INVOICE_SUBJECT = 'invoice';");
    expect(source).toContain(
      "member: ['read:invoice', 'create:invoice', 'update:invoice:own', 'delete:invoice:own'],",
    );
    expect(source).toContain(
      "update: (idParam = 'id') => Can('update', INVOICE_SUBJECT, { id: idParam }),",
    );
    expect(source).toContain('@ResourceOwners(INVOICE_SUBJECT)');
    expect(tree.exists('/src/invoice/invoice.policy.spec.ts')).toBe(true);
    expect(tree.readText('/src/app.module.ts')).toContain('providers: [InvoiceOwners]');
  });
});
