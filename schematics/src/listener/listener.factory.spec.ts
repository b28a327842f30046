import { run } from '../testing/app-tree';

describe('listener schematic', () => {
  it('generates an @EventListener for --event in the providers', async () => {
    const tree = await run('listener', { name: 'reserve-stock', event: 'order.*' });
    const source = tree.readText('/src/reserve-stock/reserve-stock.listener.ts');
    expect(source).toContain("@EventListener('order.*')");
    expect(source).toContain('export class ReserveStockListener implements Listener<unknown> {');
    expect(tree.readText('/src/reserve-stock/reserve-stock.listener.spec.ts')).toContain(
      "dispatchAndWait('order.any', { id: 1 })",
    );
    expect(tree.readText('/src/app.module.ts')).toContain('providers: [ReserveStockListener]');
  });

  it('listens to its own name with dots without --event', async () => {
    const tree = await run('listener', { name: 'order-placed' });
    expect(tree.readText('/src/order-placed/order-placed.listener.ts')).toContain(
      "@EventListener('order.placed')",
    );
  });
});
