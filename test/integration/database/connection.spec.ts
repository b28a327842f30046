import { bootLibrary } from './fixtures';

describe('connection errors at boot', () => {
  it('name the database with its password masked, the cause and the fix', async () => {
    const error = await bootLibrary(
      { DATABASE_URL: 'mysql://app:s3cret@127.0.0.1:1/forum' },
      { synchronize: true, retryAttempts: 1 },
      { quiet: true },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'LATTICE_DB_CONNECTION_FAILED',
      message: expect.stringMatching(
        /^Cannot connect to the database at mysql:\/\/app:\*\*\*@127\.0\.0\.1:1\/forum: .*ECONNREFUSED/,
      ),
      hint: expect.stringContaining('Check that MySQL/MariaDB is running'),
    });
    expect(JSON.stringify(error)).not.toContain('s3cret');
  });
});
