import { run } from '../testing/app-tree';

describe('job schematic', () => {
  it('generates a @QueueJob in the providers', async () => {
    const tree = await run('job', { name: 'send-receipt', queue: 'mail', attempts: 5 });
    const source = tree.readText('/src/send-receipt/send-receipt.job.ts');
    expect(source).toContain(
      "@QueueJob({ queue: 'mail', attempts: 5, backoff: { type: 'exponential', delay: 1000 } })",
    );
    expect(source).toContain(
      'export class SendReceiptJob extends Job<SendReceiptPayload, { handled: number }> {',
    );
    expect(tree.exists('/src/send-receipt/send-receipt.job.spec.ts')).toBe(true);
    expect(tree.readText('/src/app.module.ts')).toContain('providers: [SendReceiptJob]');
  });

  it('refuses a job that is never tried', async () => {
    await expect(run('job', { name: 'x', attempts: 0 })).rejects.toThrow(
      '--attempts 0: a job is tried at least once.',
    );
  });
});
