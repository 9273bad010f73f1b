import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { isEventTime, isNewer, parseReferral, referralKey, type Referral, type ReferralStore } from './store.js';

const LOG = 'referrals.jsonl';

/**
 * Referrals on local disk: an append-only JSON-lines log, fsync'ed before `record` resolves, read
 * back whole at start. A crash mid-write leaves at most a torn last line, which is skipped. At
 * start the log is rewritten with only the latest referral per key (to a temporary file, fsync'ed,
 * then renamed over the old one), so it grows with users, not with deliveries. A line that is not
 * a referral with a plausible event time is skipped, so no stored value can pin or hide a user's
 * referral.
 */
export class FileReferralStore implements ReferralStore {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly latestByKey: Map<string, Referral>,
    private readonly log: FileHandle,
    private readonly clock: Clock,
  ) {}

  static async open(dataDir: string, clock: Clock): Promise<FileReferralStore> {
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, LOG);
    const latest = new Map<string, Referral>();
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    for (const line of text.split('\n')) {
      const referral = parseLine(line, clock());
      if (!referral) continue;
      const key = referralKey(referral.pageId, referral.psid, referral.source);
      if (isNewer(referral, latest.get(key))) latest.set(key, referral);
    }
    const compacted = `${path}.compacting`;
    const handle = await open(compacted, 'w');
    await handle.writeFile([...latest.values()].map((r) => `${JSON.stringify(r)}\n`).join(''));
    await handle.sync();
    await handle.close();
    await rename(compacted, path);
    await syncDirectory(dataDir);
    return new FileReferralStore(latest, await open(path, 'a'), clock);
  }

  record(referrals: readonly Referral[]): Promise<void> {
    const now = this.clock();
    const fresh = referrals.filter(
      (r) => isEventTime(r.timestamp, now) && isNewer(r, this.latestByKey.get(referralKey(r.pageId, r.psid, r.source))),
    );
    if (fresh.length === 0) return this.queue;
    // Appends are serialised so that concurrent deliveries never interleave within a line.
    const write = this.queue.then(async () => {
      await this.log.appendFile(fresh.map((r) => `${JSON.stringify(r)}\n`).join(''));
      await this.log.datasync();
      for (const r of fresh) {
        const key = referralKey(r.pageId, r.psid, r.source);
        if (isNewer(r, this.latestByKey.get(key))) this.latestByKey.set(key, r);
      }
    });
    this.queue = write.catch(() => undefined);
    return write;
  }

  async latest(pageId: string, psid: string, source: string): Promise<Referral | undefined> {
    return this.latestByKey.get(referralKey(pageId, psid, source));
  }

  async close(): Promise<void> {
    await this.queue;
    await this.log.close();
  }
}

function parseLine(line: string, now: number): Referral | undefined {
  if (!line.trim()) return undefined;
  try {
    return parseReferral(JSON.parse(line), now);
  } catch {
    return undefined; // a line torn by a crash mid-write
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
