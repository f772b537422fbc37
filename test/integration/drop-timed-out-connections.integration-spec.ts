import { DataSource } from 'typeorm';

import { buildDataSourceOptions } from '../../src/database/data-source';
import { dropTimedOutConnections } from '../../src/database/drop-timed-out-connections';
import { startTcpProxy, TcpProxy } from '../support/tcp-proxy';
import { testDatabaseUrl } from '../support/test-database';

jest.setTimeout(60_000);

/** The connection a black hole left waiting is closed after its query times out, so the next query works. */
describe('dropTimedOutConnections (Postgres through a TCP proxy)', () => {
  let proxy: TcpProxy;
  let dataSource: DataSource;
  beforeAll(async () => {
    const url = new URL(testDatabaseUrl());
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.port = String(proxy.port);
    const options = buildDataSourceOptions(
      { url: url.toString(), pgliteDataDir: '', migrationsRun: false },
      { queryTimeouts: true },
    );
    // One connection, so the query after the outage gets the one that timed out unless it was closed.
    dataSource = await new DataSource({
      ...options,
      extra: { ...options.extra, max: 1 },
    }).initialize();
    dropTimedOutConnections(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await proxy?.close();
  });

  it('a query that timed out in a black hole does not poison the pool', async () => {
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    proxy.setMode('blackhole');
    await expect(dataSource.query('SELECT 2 AS two')).rejects.toThrow('Query read timeout');
    proxy.setMode('pass');
    expect(await dataSource.query('SELECT 3 AS three')).toEqual([{ three: 3 }]);
  });
});
