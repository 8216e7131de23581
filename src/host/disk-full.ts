/**
 * Is the file system of a directory full? Asked when a daemon died while booting without writing a
 * single log line: then the likely reason is that it could not write at all, and the operator is
 * told so instead of being pointed at an empty log. Full means no block left for this user
 * (`bavail`) or no inode left (`ffree`), as statfs(2) reports them.
 */
import { statfs } from 'node:fs/promises'

/** `the file system of <dir> is full (0 bytes free)`, or null when it is not full (or cannot be asked). */
export async function diskFull (dir: string): Promise<string | null> {
  let fs: Awaited<ReturnType<typeof statfs>>
  try {
    fs = await statfs(dir)
  } catch {
    return null
  }
  return describeFull(dir, fs)
}

/** The verdict on statfs figures (apart, so that it is testable without a full disk). */
export function describeFull (dir: string, fs: { bavail: number; bsize: number; ffree: number; files: number }): string | null {
  if (fs.bavail === 0) return `the file system of ${dir} is full (0 bytes free)`
  // Some file systems (btrfs, tmpfs without nr_inodes) report files = 0: no inode limit to run out of.
  if (fs.files > 0 && fs.ffree === 0) return `the file system of ${dir} has no free inodes (${fs.bavail * fs.bsize} bytes free)`
  return null
}
