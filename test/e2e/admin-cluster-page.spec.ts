import { ClusterManager } from '@lattice/cluster';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { api, json, login } from '../support/http';

/**
 * The admins' cluster page (decision 0041): `/admin/cluster` lists the nodes with their load
 * and heartbeat, for admins only. Here the Forum runs without Redis, a cluster of one.
 */
describe('/admin/cluster (SQLite, express, a cluster of one)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startForum('express', { DATABASE_URL: tempSqliteUrl() }));
  });
  afterAll(() => app?.close());

  async function member(role: 'member' | 'admin'): Promise<string> {
    const username = `${role}-${Math.random().toString(36).slice(2, 10)}@cluster.example`;
    const password = 'correct horse battery';
    const registered = await api(url).post('/auth/register', {
      username,
      password,
      profile: { name: `A ${role}` },
      delivery: 'bearer',
    });
    expect(registered.status).toBe(201);
    const { user } = await json(registered);
    if (role === 'admin')
      await app.get(DataSource).query('UPDATE users SET role = ? WHERE id = ?', ['admin', user.id]);
    return (await login(url, username, password)).accessToken;
  }

  const page = (token?: string) =>
    fetch(`${url}/admin/cluster`, {
      redirect: 'manual',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('shows an admin the table with this node, its role, status and address', async () => {
    const response = await page(await member('admin'));
    expect(response.status).toBe(200);
    const body = await response.text();
    const self = app.get(ClusterManager).self;
    expect(body).toContain('<title>Cluster · Lattice Forum</title>');
    expect(body).toContain(`id="cluster-node-${self.id}"`);
    const row = new RegExp(
      `<tr id="cluster-node-${self.id}" data-status="up"[^>]*>(.*?)</tr>`,
    ).exec(body)?.[1];
    expect(row).toBeDefined();
    expect(row).toContain('<td>web</td>');
    expect(row).toContain(`<td>${self.host}:${self.port}</td>`);
    expect(row).toContain('<svg class="load-bar"');
    expect(row).toContain('<svg class="sparkline"');
  });

  it('refuses a visitor (401) and a member (403)', async () => {
    expect((await page()).status).toBe(401);
    expect((await page(await member('member'))).status).toBe(403);
  });
});
