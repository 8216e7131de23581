/**
 * What the comparison harness needs from the machine: CPU pinning (taskset, two cores), the
 * open-file limit (a 10k connection storm needs >10k descriptors in the broker and in the
 * generator), a process's resident memory (/proc/<pid>/status VmRSS), the CPU time of a process
 * (/proc/<pid>/stat) and of each core (/proc/stat) for the cluster runs, and a description of the
 * machine for the report. Linux only.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'

export interface Pinning {
  /** Prefix for broker commands (`taskset -c 0`), empty when pinning is not possible. */
  broker: string[]
  /** Prefix for the generator. */
  generator: string[]
  note: string | null
}

export function pinning (): Pinning {
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p))
  if (taskset === undefined) return { broker: [], generator: [], note: 'taskset not found (util-linux): brokers and generator are NOT pinned' }
  if (cpus().length < 2) return { broker: [], generator: [], note: 'fewer than 2 CPUs: brokers and generator share one core' }
  return { broker: [taskset, '-c', '0'], generator: [taskset, '-c', '1'], note: null }
}

/** The soft and hard limits on open files of this process (children inherit them). */
export function fileLimits (): { soft: number; hard: number } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3).map((v) => (v === 'unlimited' ? Infinity : Number(v)))
    return { soft, hard }
  } catch {
    return { soft: NaN, hard: NaN }
  }
}

/**
 * A command prefix raising the soft open-file limit of the child to `want` (or the hard limit,
 * if lower), through the shell's `ulimit -n`: an unprivileged process may raise its soft limit up
 * to the hard one.
 */
export function fdLimitPrefix (want: number): string[] {
  const { hard } = fileLimits()
  const n = Number.isFinite(hard) ? Math.min(hard, want) : want
  return ['/bin/sh', '-c', `ulimit -n ${n} 2>/dev/null; exec "$@"`, 'sh']
}

/** Resident set size of a process in KiB (VmRSS), or null when it is gone. */
export function rssKiB (pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? null : Number(m[1])
  } catch {
    return null
  }
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_S = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** User + system CPU seconds a process has used so far, or null when it is gone. */
export function cpuSeconds (pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S
  } catch {
    return null
  }
}

/** Busy and total seconds of each CPU so far (/proc/stat: busy = all but idle and iowait). */
export function cpuTimes (): Array<{ busy: number; total: number }> {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).map((l) => {
      const v = l.trim().split(/\s+/).slice(1, 9).map(Number)
      const total = v.reduce((a, b) => a + b, 0)
      return { busy: (total - v[3] - v[4]) / TICKS_PER_S, total: total / TICKS_PER_S }
    })
  } catch {
    return []
  }
}

/** The descendant of `pid` whose command line contains `needle` (the real broker behind sh/taskset), else `pid`. */
export function findProcess (pid: number, needle: string): number {
  const seen = [pid]
  for (let i = 0; i < seen.length; i++) {
    try {
      const cmd = readFileSync(`/proc/${seen[i]}/cmdline`, 'utf8')
      if (i > 0 && cmd.includes(needle)) return seen[i]
      for (const task of readFileSync(`/proc/${seen[i]}/task/${seen[i]}/children`, 'utf8').trim().split(/\s+/)) {
        if (task !== '') seen.push(Number(task))
      }
    } catch {}
  }
  return pid
}

export interface Machine {
  date: string
  cpu: string
  cores: number
  memory_gib: number
  kernel: string
  node: string
  mosquitto: string | null
  aedes: string | null
}

export function describeMachine (mosquittoPath: string | null, aedesVersion: string | null): Machine {
  let kernel = ''
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim()
  } catch {}
  let mosquitto: string | null = null
  if (mosquittoPath !== null) {
    try {
      // `mosquitto -h` prints "mosquitto version X" and exits non-zero
      execFileSync(mosquittoPath, ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (err) {
      const out = String((err as { stdout?: string }).stdout ?? '') + String((err as { stderr?: string }).stderr ?? '')
      mosquitto = /version (\S+)/.exec(out)?.[1] ?? 'unknown'
    }
  }
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    kernel,
    node: process.version,
    mosquitto,
    aedes: aedesVersion,
  }
}
