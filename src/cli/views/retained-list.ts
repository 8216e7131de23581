/** `mqttctl retained list`: the retained messages whose topics match a filter. */
import type { RetainedSummary } from '../../control/schema.js'
import { rowFields, type ListPage } from '../filter.js'
import { humanBytes, renderTable } from '../output.js'
import { ago, fromNow } from '../time.js'
import { listView, type ListFlags, type ViewIo } from './view.js'

/** Fields `--filter` and `--sort` accept: every key of a row of `--json` (the compiler checks). */
export const RETAINED_FIELDS = rowFields<RetainedSummary>({
  topic: true, qos: true, size: true, preview: true, received_at: true, expires_at: true,
})

export interface RetainedListFlags extends ListFlags {
  topic: string
}

export function retainedListView (io: ViewIo<RetainedListFlags>): Promise<ListPage<RetainedSummary>> {
  const { topic } = io.flags
  return listView(io, {
    fields: RETAINED_FIELDS,
    noun: 'retained messages',
    fetch: () => io.request('retained.list', { topic }),
    empty: () => `no retained messages match ${topic}`,
    render: (rows) => {
      const now = Date.now()
      return renderTable(rows, [
        { header: 'topic', get: (r) => r.topic },
        { header: 'qos', get: (r) => r.qos, numeric: true },
        { header: 'size', get: (r) => humanBytes(r.size), numeric: true },
        { header: 'preview', get: (r) => r.preview },
        { header: 'received', get: (r) => ago(r.received_at, now) },
        { header: 'expires', get: (r) => fromNow(r.expires_at, now) },
      ])
    },
  })
}
