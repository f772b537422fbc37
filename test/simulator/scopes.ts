// Scopes an app can have enabled in the developer console, and what the simulator says about them.

/** Enabled for every app unless SIMULATOR_ENABLED_SCOPES, the `enabledScopes` option or /_sim/config says otherwise. */
export const DEFAULT_ENABLED_SCOPES: readonly string[] = [
  'offline_access',
  'auth:user.id:read',
  'contact:user.base:readonly',
  'contact:user.email:readonly',
  'contact:user.phone:readonly',
  'contact:user.employee_id:readonly',
  'contact:contact.base:readonly',
  'im:message',
  'im:message:readonly',
  'im:chat:readonly',
  'calendar:calendar',
  'calendar:calendar:readonly',
  'docx:document',
  'docx:document:readonly',
  'drive:drive',
  'drive:drive:readonly',
  'sheets:spreadsheet',
  'sheets:spreadsheet:readonly',
  'bitable:app',
  'bitable:app:readonly',
  'wiki:wiki',
  'wiki:wiki:readonly',
  'task:task:read',
  'task:task:write',
  'application:application:self_manage',
];

export const SELF_MANAGE_SCOPE = 'application:application:self_manage';

export type TokenType = 'user' | 'tenant';

interface ScopeInfo {
  description: string;
  tokenTypes: TokenType[];
}

const BOTH: TokenType[] = ['tenant', 'user'];

const CATALOGUE: Record<string, ScopeInfo> = {
  offline_access: { description: 'Keep access to data you granted (refresh tokens)', tokenTypes: ['user'] },
  'auth:user.id:read': { description: 'Read the user ID', tokenTypes: ['user'] },
  'contact:user.base:readonly': { description: 'Read basic user information', tokenTypes: BOTH },
  'contact:user.email:readonly': { description: 'Read user email addresses', tokenTypes: BOTH },
  'contact:user.phone:readonly': { description: 'Read user phone numbers', tokenTypes: BOTH },
  'contact:user.employee_id:readonly': { description: 'Read user employee IDs', tokenTypes: BOTH },
  'contact:contact.base:readonly': { description: 'Read basic contact information', tokenTypes: BOTH },
  'im:message': { description: 'Read and send messages', tokenTypes: BOTH },
  'im:message:readonly': { description: 'Read messages', tokenTypes: BOTH },
  'im:chat:readonly': { description: 'Read chat information', tokenTypes: BOTH },
  'calendar:calendar': { description: 'Read and update calendars', tokenTypes: BOTH },
  'calendar:calendar:readonly': { description: 'Read calendars', tokenTypes: BOTH },
  'docx:document': { description: 'Create and edit documents', tokenTypes: BOTH },
  'docx:document:readonly': { description: 'Read documents', tokenTypes: BOTH },
  'drive:drive': { description: 'Manage files in Drive', tokenTypes: BOTH },
  'drive:drive:readonly': { description: 'Read files in Drive', tokenTypes: BOTH },
  'sheets:spreadsheet': { description: 'Create and edit spreadsheets', tokenTypes: BOTH },
  'sheets:spreadsheet:readonly': { description: 'Read spreadsheets', tokenTypes: BOTH },
  'bitable:app': { description: 'Create and edit Base apps', tokenTypes: BOTH },
  'bitable:app:readonly': { description: 'Read Base apps', tokenTypes: BOTH },
  'wiki:wiki': { description: 'Edit wiki spaces', tokenTypes: BOTH },
  'wiki:wiki:readonly': { description: 'Read wiki spaces', tokenTypes: BOTH },
  'task:task:read': { description: 'Read tasks', tokenTypes: BOTH },
  'task:task:write': { description: 'Create and update tasks', tokenTypes: BOTH },
  [SELF_MANAGE_SCOPE]: { description: "Read and manage the app's own information", tokenTypes: ['tenant'] },
};

/** Token types a scope applies to; a scope the catalogue does not know applies to both. */
export function scopeTokenTypes(scope: string): TokenType[] {
  return CATALOGUE[scope]?.tokenTypes ?? BOTH;
}

export function scopeDescription(scope: string): string {
  return CATALOGUE[scope]?.description ?? scope;
}

/** A scope a user can grant: enabled for the app and usable with a user access token. */
export function isUserScope(enabled: ReadonlySet<string>, scope: string): boolean {
  return enabled.has(scope) && scopeTokenTypes(scope).includes('user');
}

export const SCOPE_PATTERN = /^[A-Za-z0-9_.:-]+$/;
