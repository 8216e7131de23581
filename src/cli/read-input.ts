/**
 * The file an import command reads: a path, or `-` for all of stdin, parsed by the command's
 * parser. A file that cannot be read, or an entry the parser refuses (EntryError), is exit 65
 * (bad data or not found), naming the file and the entry.
 */
import { readFile } from 'node:fs/promises'
import { text } from 'node:stream/consumers'
import { EntryError } from '../control/transfer-format.js'
import { CliFailure } from './base-command.js'
import { ExitCode } from './exit-codes.js'

export async function readImportFile<T> (file: string, parse: (text: string) => T): Promise<T> {
  let content: string
  try {
    content = file === '-' ? await text(process.stdin) : await readFile(file, 'utf8')
  } catch (err) {
    throw new CliFailure(`cannot read ${file}: ${(err as Error).message}`, ExitCode.DataError, 'NO_INPUT')
  }
  try {
    return parse(content)
  } catch (err) {
    if (err instanceof EntryError) throw new CliFailure(`${file}: ${err.message}`, ExitCode.DataError, 'INVALID')
    throw err
  }
}
