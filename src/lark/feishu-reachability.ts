/**
 * A start-up check of LARK_DOMAIN: the service starts either way (the SDK keeps retrying), but when nothing answers
 * there, the first thing a person reads should say what to do, not only the SDK's connection errors.
 * Returns undefined when the host answers HTTP at all.
 */
export async function feishuUnreachableHint(openBaseUrl: string, timeoutMs = 3_000): Promise<string | undefined> {
  try {
    await fetch(openBaseUrl, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return undefined;
  } catch (error) {
    return unreachableHint(openBaseUrl, reasonOf(error));
  }
}

export function unreachableHint(openBaseUrl: string, reason: string): string {
  if (isLoopback(openBaseUrl)) {
    return (
      `Nothing answers at LARK_DOMAIN ${openBaseUrl} (${reason}). If that is the local Feishu simulator, start it ` +
      'first with `npm run simulator` (or use `npm run demo`, which starts the simulator and the service together).'
    );
  }
  return `Feishu does not answer at ${openBaseUrl} (${reason}); check LARK_DOMAIN and the network. Retrying.`;
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.name : String(error);
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}
