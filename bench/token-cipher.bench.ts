// token-cipher: TokenCipher encrypt + decrypt (key ring, AAD, iv|tag|ct layout) against bare AES-256-GCM encrypt
// from node:crypto, in the same process and run.
import { createCipheriv, randomBytes } from 'node:crypto';

import { TokenCipher } from '../src/token-store/token-cipher';
import { BenchContext, Benchmark, BenchResult, round } from './lib/context';

function opsPerSecond(iterations: number, work: () => void): number {
  for (let i = 0; i < 1_000; i += 1) work();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) work();
  return iterations / (Number(process.hrtime.bigint() - started) / 1e9);
}

export const tokenCipher: Benchmark = {
  name: 'token-cipher',
  run(ctx: BenchContext): Promise<BenchResult[]> {
    const iterations = ctx.quick ? 5_000 : 20_000;
    const token = `eyJ${randomBytes(900).toString('base64url')}`;
    const key = randomBytes(32);
    const baseline = opsPerSecond(iterations, () => {
      const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
      cipher.setAAD(Buffer.from('cli_0123456789abcdef:ou_1'));
      Buffer.concat([cipher.update(token, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    });
    const tokenCipher = new TokenCipher([{ kid: 'k1', key }]);
    const measured = opsPerSecond(iterations, () => {
      const { value, keyId } = tokenCipher.encrypt(token, 'cli_0123456789abcdef:ou_1');
      tokenCipher.decrypt(value, keyId, 'cli_0123456789abcdef:ou_1');
    });
    const ratio = measured / baseline;
    return Promise.resolve([
      {
        name: 'token-cipher',
        figure: round(measured, 0),
        unit: 'encrypt+decrypt/s',
        baseline: round(baseline, 0),
        ratio: round(ratio, 3),
        goal: 0.25,
        pass: ratio >= 0.25,
        extra: { iterations, baselineWhat: 'bare aes-256-gcm encrypt only', goalNote: 'not in #15; ours' },
      },
    ]);
  },
};
