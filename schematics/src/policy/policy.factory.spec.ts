import { appTree, run } from '../testing/app-tree';

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

  it("adds @lattice/security to the app's dependencies, at its @lattice/core range", async () => {
    const tree = await run(
      'policy',
      { name: 'invoice' },
      appTree({
        '/package.json': JSON.stringify({
          name: 'app',
          dependencies: { '@nestjs/core': '^12.5.1', '@lattice/core': '^0.2.0' },
        }),
      }),
    );
    expect(JSON.parse(tree.readText('/package.json')).dependencies).toEqual({
      '@lattice/core': '^0.2.0',
      '@lattice/security': '^0.2.0',
      '@nestjs/core': '^12.5.1',
    });
    const again = await run('policy', { name: 'order' }, tree);
    expect(again.readText('/package.json')).toBe(tree.readText('/package.json'));
  });
});
