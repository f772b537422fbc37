import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { feishuUnreachableHint, unreachableHint } from './feishu-reachability';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('feishuUnreachableHint', () => {
  it('says nothing when the host answers HTTP (any status)', async () => {
    const server = createServer((_req, res) => res.writeHead(501).end());
    const port = await listen(server);
    try {
      await expect(feishuUnreachableHint(`http://127.0.0.1:${port}`)).resolves.toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('tells how to start the simulator when nothing listens on a local LARK_DOMAIN', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const hint = await feishuUnreachableHint(`http://127.0.0.1:${port}`);
    expect(hint).toContain(`Nothing answers at LARK_DOMAIN http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(hint).toContain('npm run simulator');
  });

  it('points at LARK_DOMAIN and the network for a remote host', () => {
    const hint = unreachableHint('https://open.feishu.cn', 'ENOTFOUND');
    expect(hint).toBe(
      'Feishu does not answer at https://open.feishu.cn (ENOTFOUND); check LARK_DOMAIN and the network. Retrying.',
    );
    expect(unreachableHint('http://localhost:9000', 'ECONNREFUSED')).toContain('npm run simulator');
  });
});
