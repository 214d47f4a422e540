/* Why a file of the state could not be written, in the words a person reads. */

const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'a directory is in its place',
};

/** Why a file could not be written: "no space left on device (ENOSPC)", else the error's own words. */
export const whyNotWritten = (code: string | undefined, error: unknown): string => {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return code !== undefined && SYSTEM_ERRORS[code] !== undefined
    ? `${SYSTEM_ERRORS[code]} (${code})`
    : cause instanceof Error
      ? cause.message
      : String(cause);
};

/** The system error code of a failed file operation (ENOSPC, EROFS, …), if it is one. */
export const systemCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
};
