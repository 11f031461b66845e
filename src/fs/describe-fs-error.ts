/** Words for a file-system error code, so messages never show only `ENOENT` or `EISDIR`. */
const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  ELOOP: 'too many levels of symbolic links',
  EBUSY: 'the file is busy (in use by another process)',
  EXDEV: 'cannot rename across devices',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
};
/** Why a file system call failed, in words: no errno text or temporary path of node's message. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code && FS_REASONS[code]) return FS_REASONS[code];
  return code ? `system error ${code}` : error instanceof Error ? error.message : String(error);
}

/** True for an error node's fs calls throw (it has an errno code and a syscall). */
export function isFsError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

// node's fs message: `EISDIR: illegal operation on a directory, rename '/x/.d.tmp' -> '/x/d'`.
const NODE_FS_TEXT = /\b(E[A-Z]{2,}): [^,\n]*, [a-z_]+(?: '[^'\n]*')?(?: -> '[^'\n]*')?/g;

/** A message with any node fs error text in it replaced by `describeFsError`'s words (the message names the path). */
export function scrubFsErrorText(message: string): string {
  return message.replace(NODE_FS_TEXT, (_text, code: string) => describeFsError({ code }));
}
