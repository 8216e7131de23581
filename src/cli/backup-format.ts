/** How `mqttctl backup` and `mqttctl restore` describe a backup in one line. */
import type { BackupCounts } from '../store/backup-file.js'

/** `2 sessions, 5 queued, 0 inflight, 3 retained, 0 wills, 2 accounts, 3 topic rules, 1 IP rules, 0 settings`. */
export function describeBackupCounts (c: BackupCounts): string {
  return `${c.sessions} sessions, ${c.queued} queued, ${c.inflight} inflight, ${c.retained} retained, ${c.wills} wills, ` +
    `${c.accounts} accounts, ${c.topic_rules} topic rules, ${c.ip_rules} IP rules, ${c.settings} settings`
}
