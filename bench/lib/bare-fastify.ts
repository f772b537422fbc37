// The framework ceiling beside token-read: a bare Fastify process answering the same route with a constant body,
// on the port the bench gives every process it starts.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const body = { accessToken: 'u-'.padEnd(64, 'x'), expiresAt: new Date().toISOString(), scopes: ['offline_access'] };
app.get('/api/v1/users/:openId/token', async () => body);
app.get('/readyz', async () => ({ ready: true }));
void app.listen({ host: '127.0.0.1', port: Number(process.env.CALLBACK_SERVER_PORT) });
