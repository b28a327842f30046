import { Column, DataSource, Entity, In, PrimaryGeneratedColumn } from 'typeorm';
import { describeWith } from '../support/describe-with';
import { createTestDatabase, TestDatabase } from '../support/test-resources';

@Entity('notes')
class Note {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 200 })
  text: string;
}

describeWith(['mysql'], 'TypeORM through mysql2 (real MariaDB/MySQL)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource({
      type: 'mysql',
      url: database.url,
      entities: [Note],
      synchronize: true,
      charset: 'utf8mb4',
    });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('connects to a fresh database of its own', async () => {
    const [{ name }] = await dataSource.query('SELECT DATABASE() AS name');
    expect(name).toBe(database.name);
    expect(name).toMatch(/^lattice_t_[0-9a-f]{8}_[0-9a-f]{6}$/);
  });

  it('stores and reads back rows, including 4-byte UTF-8', async () => {
    const repo = dataSource.getRepository(Note);
    const saved = await repo.save([{ text: 'hello' }, { text: 'émoji 🎉 ok' }]);
    // Ids from the table's counter (a rolled-back insert of another test may have used one).
    expect(saved[1].id).toBe(saved[0].id + 1);
    const found = await repo.find({
      where: { id: In(saved.map((n) => n.id)) },
      order: { id: 'ASC' },
    });
    expect(found.map((n) => n.text)).toEqual(['hello', 'émoji 🎉 ok']);
  });

  it('rolls a failed transaction back completely', async () => {
    const repo = dataSource.getRepository(Note);
    const before = await repo.count();
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.save(Note, { text: 'inside' });
        await manager.query('SELECT * FROM table_that_does_not_exist');
      }),
    ).rejects.toThrow(/doesn't exist/);
    expect(await repo.count()).toBe(before);
  });
});
