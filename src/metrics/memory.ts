/**
 * Memory readings that cannot throw. `process.memoryUsage()` reads the resident set size from
 * `/proc/self/stat` (libuv's `uv_resident_set_memory`), so it throws EMFILE when the process is at
 * its file descriptor limit — and an uncaught throw in a timer kills the broker. Here the heap
 * figures come from V8 (`v8.getHeapStatistics()`, no file involved) and the RSS from
 * `process.memoryUsage.rss()`, which, when it fails, gives way to the last RSS read successfully
 * (`rssStale` then says so). A failure for lack of descriptors is reported to `onDescriptorsExhausted`.
 */
import { getHeapStatistics } from 'node:v8'

export interface MemoryReading {
  rss: number
  /** True when `rss` is the last good reading because reading it now failed. */
  rssStale: boolean
  heapUsed: number
  heapTotal: number
  external: number
}

let lastRss = 0

/** What the process uses now; never throws. `onDescriptorsExhausted` hears of EMFILE/ENFILE. */
export function readMemory (onDescriptorsExhausted?: (err: NodeJS.ErrnoException) => void): MemoryReading {
  const heap = getHeapStatistics()
  let rssStale = false
  try {
    lastRss = process.memoryUsage.rss()
  } catch (err) {
    rssStale = true
    if (isDescriptorExhaustion(err)) onDescriptorsExhausted?.(err)
  }
  return { rss: lastRss, rssStale, heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size, external: heap.external_memory }
}

/** EMFILE (this process is at its descriptor limit) or ENFILE (the system is). */
export function isDescriptorExhaustion (err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return code === 'EMFILE' || code === 'ENFILE'
}
