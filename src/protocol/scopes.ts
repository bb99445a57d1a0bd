/** Operator scopes and their implications (protocol.md 7.2). */

export const Scope = {
  READ: 'operator.read',
  WRITE: 'operator.write',
  ADMIN: 'operator.admin',
  APPROVALS: 'operator.approvals',
  QUESTIONS: 'operator.questions',
  PAIRING: 'operator.pairing',
  TALK: 'operator.talk',
  TALK_SECRETS: 'operator.talk.secrets',
  SESSIONS_READ: 'operator.sessions.read',
  SESSIONS_WRITE: 'operator.sessions.write',
} as const;

const KNOWN_SCOPES = new Set<string>(Object.values(Scope));

/** Whether `scope` is one of the operator scopes of protocol.md 7.2. */
export const isKnownScope = (scope: string): boolean => KNOWN_SCOPES.has(scope);

const IMPLIED_BY_WRITE = new Set<string>([Scope.READ, Scope.TALK, Scope.SESSIONS_READ, Scope.SESSIONS_WRITE]);

/** Whether the granted scopes satisfy `required` (admin satisfies all; write implies read…). */
export function hasScope(granted: readonly string[], required: string): boolean {
  if (granted.includes(Scope.ADMIN) || granted.includes(required)) return true;
  if (granted.includes(Scope.WRITE) && IMPLIED_BY_WRITE.has(required)) return true;
  return required === Scope.SESSIONS_READ && granted.includes(Scope.READ);
}
