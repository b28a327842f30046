import { ConflictException, NotFoundException } from '@nestjs/common';
import { EntityNotFoundError, OptimisticLockError } from '@lattice/database';
import { DataSource } from 'typeorm';
import { AuthorRepository, BookRepository, Note, describeOnEveryDatabase } from './fixtures';
import { getLatticeRepositoryToken, LatticeRepository } from '@lattice/database';

describeOnEveryDatabase('LatticeRepository', (db) => {
  const books = () => db().app.get(BookRepository);
  const authors = () => db().app.get(AuthorRepository);

  it('creates and finds by id, with relations on request', async () => {
    const author = await authors().create({ name: 'Ursula', profile: { bio: 'Earthsea' } });
    const book = await books().create({ title: 'A Wizard of Earthsea', author, score: 9 });
    expect(book.id).toEqual(expect.any(Number));
    expect(book.version).toBe(1);
    expect(book.createdAt).toBeInstanceOf(Date);

    const found = await books().findById(book.id, { relations: { author: true } });
    expect(found.title).toBe('A Wizard of Earthsea');
    expect(found.author.name).toBe('Ursula');
    // one-to-one marked eager comes with the author
    expect((await authors().findById(author.id)).profile?.bio).toBe('Earthsea');
  });

  it('answers a missing id with a 404 naming the entity and the id', async () => {
    const error = await books()
      .findById(987654)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EntityNotFoundError);
    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as EntityNotFoundError).message).toBe('Book 987654 was not found.');
    expect((error as EntityNotFoundError).getStatus()).toBe(404);
  });

  it('updates, and with expectedVersion refuses to overwrite a newer version (409)', async () => {
    const author = await authors().create({ name: 'Iain' });
    const book = await books().create({ title: 'Excession', author });
    const updated = await books().update(book.id, { score: 7 });
    expect(updated.score).toBe(7);
    expect(updated.version).toBe(2);

    const locked = await books().update(book.id, { score: 8 }, { expectedVersion: 2 });
    expect(locked).toMatchObject({ score: 8, version: 3 });

    const conflict = await books()
      .update(book.id, { score: 1 }, { expectedVersion: 2 })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(OptimisticLockError);
    expect(conflict).toBeInstanceOf(ConflictException);
    expect((conflict as OptimisticLockError).message).toContain('is at version 3, not 2');
    expect((await books().findById(book.id)).score).toBe(8); // the stale write changed nothing
  });

  it('soft-deletes and restores SoftDeletable entities', async () => {
    const author = await authors().create({ name: 'Octavia' });
    const book = await books().create({ title: 'Kindred', author });
    await books().delete(book.id);
    await expect(books().findById(book.id)).rejects.toBeInstanceOf(EntityNotFoundError);
    const hidden = await books().findById(book.id, { withDeleted: true });
    expect(hidden.deletedAt).toBeInstanceOf(Date);

    const restored = await books().restore(book.id);
    expect(restored.deletedAt).toBeNull();
    expect((await books().restore(book.id)).id).toBe(book.id); // restoring a live row is harmless
    await expect(books().restore(555555)).rejects.toThrow('Book 555555 was not found.');
    await expect(books().delete(123456)).rejects.toThrow('Book 123456 was not found.');
  });

  it('deletes other entities for good, through the generic repository', async () => {
    const notes = db().app.get<LatticeRepository<Note>>(getLatticeRepositoryToken(Note));
    const note = await notes.create({ text: 'remember the milk' });
    await expect(
      notes.update(note.id, { text: 'x' }, { expectedVersion: 1 }),
    ).rejects.toMatchObject({
      code: 'LATTICE_DB_NOT_VERSIONED',
    });
    await notes.delete(note.id);
    const raw = await db()
      .app.get(DataSource)
      .query('SELECT COUNT(*) AS n FROM note WHERE id = ?', [note.id]);
    expect(Number(raw[0].n)).toBe(0);
  });

  it('names tables and columns in snake_case and stores timestamps in UTC', async () => {
    const author = await authors().create({ name: 'Naming' });
    const before = Date.now();
    const book = await books().create({ title: 'Columns', author });
    const after = Date.now();
    const [row] = await db()
      .app.get(DataSource)
      .query('SELECT author_id, created_at, deleted_at FROM book WHERE id = ?', [book.id]);
    expect(Number(row.author_id)).toBe(author.id);
    const reread = await books().findById(book.id);
    // The round trip keeps the instant, whatever the server's time zone: it lies between the
    // clock readings around the insert (a second either side for the column's whole seconds),
    // however long the insert took; a time-zone slip would be off by half an hour or more.
    expect(reread.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(reread.createdAt.getTime()).toBeLessThanOrEqual(after + 1000);
  });
});
