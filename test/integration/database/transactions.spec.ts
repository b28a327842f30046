import { TransactionHost } from '@lattice/database';
import { DataSource } from 'typeorm';
import { Author, Book, LibraryService, describeOnEveryDatabase } from './fixtures';

describeOnEveryDatabase('@Transactional()', (db) => {
  const count = async (entity: typeof Author | typeof Book, where: object) =>
    db().app.get(DataSource).getRepository(entity).count({ where, withDeleted: true });

  it('rolls back every write when the method throws midway', async () => {
    const library = db().app.get(LibraryService);
    await expect(library.publishThenFail('Rollback Rita')).rejects.toThrow(
      'printing press on fire',
    );
    // checked outside the transaction, straight from the database
    expect(await count(Author, { name: 'Rollback Rita' })).toBe(0);
    expect(await count(Book, { title: "Rollback Rita's book" })).toBe(0);
  });

  it('lets a nested @Transactional() join the outer transaction', async () => {
    const library = db().app.get(LibraryService);
    const result = await library.outer('Joined Jo', false);
    expect(result.sameManager).toBe(true);
    expect(await count(Author, { name: 'Joined Jo' })).toBe(1);
  });

  it('rolls back the inner method’s writes when the outer one fails after it', async () => {
    const library = db().app.get(LibraryService);
    await expect(library.outer('Inner Ines', true)).rejects.toThrow(
      'outer failed after inner succeeded',
    );
    expect(await count(Author, { name: 'Inner Ines' })).toBe(0);
  });

  it('commits TransactionHost.run() work and exposes the transaction to repositories', async () => {
    const host = db().app.get(TransactionHost);
    expect(host.active).toBe(false);
    await host.run(async (manager) => {
      expect(host.active).toBe(true);
      expect(host.manager).toBe(manager);
      await db().app.get(LibraryService).authors.create({ name: 'Committed Cy' });
    });
    expect(await count(Author, { name: 'Committed Cy' })).toBe(1);
  });
});
