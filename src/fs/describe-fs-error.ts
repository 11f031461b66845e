/** Words for a file-system error code, so messages never show only `ENOENT` or `EISDIR`. */
export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EBUSY':
      return 'the file is in use';
    case 'EXDEV':
      return 'cannot rename across devices';
    default:
      return e instanceof Error ? e.message : String(error);
  }
}
