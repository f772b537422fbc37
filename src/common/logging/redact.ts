const REDACTED = '[REDACTED]';

/** Keys whose values are secret wherever they appear (SDK request bodies, headers, our own objects). */
const SECRET_KEY =
  /secret|token|password|passwd|authorization|cookie|^code$|code_verifier|verifier|^state$|ticket|api[-_]?key|encrypt/i;

/**
 * Value shapes that are secret even inside free text: OAuth query parameters, bearer credentials and
 * the token formats Feishu issues (JWT-like `eyJ…`, `u-…`/`ur-…` user tokens, `t-…` tenant tokens).
 */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [
    /((?:^|[?&#\s])(?:state|ticket|access_token|refresh_token|code_verifier|code_challenge|client_secret|app_secret)=)[^&#\s"']*/gi,
    `$1${REDACTED}`,
  ],
  // An authorization code in a URL or form; `code=20050` in a log line is Feishu's error code and stays readable.
  [/((?:^|[?&#\s])code=)(?!\d{1,12}(?:[&#\s"']|$))[^&#\s"']*/gi, `$1${REDACTED}`],
  [/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${REDACTED}`],
  [
    /(["']?(?:app_secret|client_secret|AppSecret|refresh_token|access_token|tenant_access_token|code_verifier)["']?\s*[:=]\s*["']?)[^"',}\s&]+/g,
    `$1${REDACTED}`,
  ],
  // A string-valued "code" is an authorization code; numeric codes are Feishu error codes and stay.
  [/(["']code["']\s*:\s*["'])[^"']+/g, `$1${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}/g, REDACTED],
  [/\b(?:u|ur|t)-[A-Za-z0-9_-]{16,}/g, REDACTED],
];

/**
 * Removes secrets from anything about to be logged: exact known values (app secret, API tokens,
 * encryption keys) registered at start, secret-named object keys, and secret-shaped substrings.
 */
export class Redactor {
  private readonly knownSecrets = new Set<string>();

  addSecret(value: string | undefined): void {
    if (value && value.length >= 4) this.knownSecrets.add(value);
  }

  text(input: string): string {
    let output = input;
    for (const secret of this.knownSecrets) output = output.split(secret).join(REDACTED);
    for (const [pattern, replacement] of SECRET_PATTERNS) output = output.replace(pattern, replacement);
    return output;
  }

  value(input: unknown, depth = 0): unknown {
    if (typeof input === 'string') return this.text(input);
    if (input === null || typeof input !== 'object') return input;
    if (depth > 6) return '[Object]';
    if (input instanceof Error) return this.text(`${input.name}: ${input.message}`);
    if (Buffer.isBuffer(input)) return `[Buffer ${input.length} bytes]`;
    if (Array.isArray(input)) return input.map((item) => this.value(item, depth + 1));
    const output: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(input)) {
      output[key] = SECRET_KEY.test(key) && typeof item === 'string' ? REDACTED : this.value(item, depth + 1);
    }
    return output;
  }
}

/** The process-wide redactor: the logger and the SDK adapter share it so a secret registered once is hidden everywhere. */
export const redactor = new Redactor();
