/* The webhook secrets, apart from the signature check: a redactor needs them without node:crypto. */

/**
 * The secrets from the environment: CALLOPS_WEBHOOK_SECRETS and CALLOPS_WEBHOOK_SECRET, each
 * one secret or several separated by commas (the new and the old while rotating).
 */
export const webhookSecrets = (env: Readonly<Record<string, string | undefined>>): string[] => {
  const all = [env.CALLOPS_WEBHOOK_SECRETS, env.CALLOPS_WEBHOOK_SECRET]
    .flatMap((value) => (value ?? '').split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return [...new Set(all)];
};
