/**
 * What keeps a Node process alive after its tests: listening servers, sockets, child processes and their pipes,
 * and timers. Counted per type with process.getActiveResourcesInfo() (which lists only ref'ed resources).
 */
const WATCHED: Record<string, string> = {
  TCPServerWrap: 'a listening server',
  TCPSocketWrap: 'an open socket',
  TCPWrap: 'an open socket',
  PipeServerWrap: 'a listening pipe',
  PipeWrap: 'a pipe (often a child process stdio)',
  ProcessWrap: 'a child process',
  UDPWrap: 'a UDP socket',
  Timeout: 'a timer or interval',
};

export type HandleCounts = Map<string, number>;

export function openHandleCounts(): HandleCounts {
  const counts: HandleCounts = new Map();
  for (const type of process.getActiveResourcesInfo()) {
    if (type in WATCHED) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

/** The handles open now beyond `baseline`, described for a person; empty when none. */
export function handlesBeyond(baseline: HandleCounts): string[] {
  const found: string[] = [];
  for (const [type, count] of openHandleCounts()) {
    const extra = count - (baseline.get(type) ?? 0);
    if (extra > 0) found.push(`${type} ×${extra} (${WATCHED[type]})`);
  }
  return found;
}

/** Waits up to `graceMs` for handles that are closing anyway (sockets after a server closed, say). */
export async function leftoverHandles(baseline: HandleCounts, graceMs: number): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const found = handlesBeyond(baseline);
    if (found.length === 0 || Date.now() >= deadline) return found;
    // An unref'ed wait, so that this check itself never keeps the process alive.
    await new Promise((resolve) => setTimeout(resolve, 50).unref());
  }
}
