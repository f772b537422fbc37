// Token encryption cost: TokenCipher (key ring, AAD, iv|tag|ct layout) against bare AES-256-GCM from node:crypto,
// measured in the same run; prints JSON with both figures and their ratio.
import { createCipheriv, randomBytes } from 'node:crypto';

import { TokenCipher } from '../src/token-store/token-cipher';

const ITERATIONS = 20_000;
const token = `eyJ${randomBytes(900).toString('base64url')}`;
const key = randomBytes(32);

function opsPerSecond(work: () => void): number {
  for (let i = 0; i < 1_000; i += 1) work();
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i += 1) work();
  return ITERATIONS / (Number(process.hrtime.bigint() - started) / 1e9);
}

const baseline = opsPerSecond(() => {
  const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
  cipher.setAAD(Buffer.from('cli_0123456789abcdef:ou_1'));
  Buffer.concat([cipher.update(token, 'utf8'), cipher.final(), cipher.getAuthTag()]);
});
const tokenCipher = new TokenCipher([{ kid: 'k1', key }]);
const measured = opsPerSecond(() => {
  const { value, keyId } = tokenCipher.encrypt(token, 'cli_0123456789abcdef:ou_1');
  tokenCipher.decrypt(value, keyId, 'cli_0123456789abcdef:ou_1');
});

console.log(
  JSON.stringify({
    benchmark: 'token-cipher encrypt+decrypt',
    iterations: ITERATIONS,
    opsPerSecond: Math.round(measured),
    baseline: { what: 'bare aes-256-gcm encrypt only', opsPerSecond: Math.round(baseline) },
    ratio: Number((measured / baseline).toFixed(3)),
  }),
);
