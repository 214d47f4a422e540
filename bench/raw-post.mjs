#!/usr/bin/env node
// The floor of `apply`: a raw undici Pool posting the create-call bodies callops sends for
// the bench project (bench/index.mjs writes the same calls as YAML) to the same simulator,
// `concurrency` in flight, no state, no output. Usage: raw-post.mjs URL CALLS CONCURRENCY [DIR]
//
// With DIR, the floor of the promise callops keeps: each request's intent is durable before it
// is sent, and its outcome once it is known, in DIR/journal.jsonl. Lines are group-committed
// (one write on this thread and one fdatasync off it for the lines queued while the last one
// ran, as callops does)
// into a file made its full size beforehand, so no commit changes its size: the cheapest
// fdatasync there is. No reading back, no lockfile, no output.
import { writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool } from 'undici';
import { benchBody } from './body.mjs';

const [url, n, c, dir] = process.argv.slice(2);
const N = Number(n);
const C = Number(c);
const ACCOUNT_SID = '0ca110b5-0000-4000-8000-000000000001';
const API_KEY = '0ca110b5-0000-4000-8000-00000000a9e1';

/** A group-committed journal (see above), or a no-op without DIR. */
const openJournal = async () => {
  if (dir === undefined) return { append: async () => {}, close: async () => {} };
  const handle = await open(join(dir, 'journal.jsonl'), 'w');
  await handle.write(Buffer.alloc(N * 400));
  await handle.datasync();
  let end = 0;
  let queue = [];
  let running;
  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const bytes = Buffer.from(batch.map((p) => p.line).join(''));
      writeSync(handle.fd, bytes, 0, bytes.length, end);
      end += bytes.length;
      await handle.datasync();
      for (const p of batch) p.resolve();
    }
    running = undefined;
  };
  return {
    append: (record) =>
      new Promise((resolve) => {
        queue.push({ line: `${JSON.stringify(record)}\n`, resolve });
        running ??= Promise.resolve().then(drain);
      }),
    close: async () => {
      while (running) await running;
      await handle.truncate(end);
      await handle.close();
    },
  };
};

const journal = await openJournal();
const pool = new Pool(url, { connections: C, pipelining: 1 });
const path = `/v1/Accounts/${ACCOUNT_SID}/Calls`;
let next = 0;
let placed = 0;
const worker = async () => {
  while (next < N) {
    const i = next++;
    const key = `bench/call-${i}`;
    await journal.append({ type: 'intent', key, at: new Date().toISOString() });
    const res = await pool.request({
      method: 'POST',
      path,
      headers: {
        authorization: `Bearer ${API_KEY}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(benchBody(i)),
    });
    const text = await res.body.text();
    if (res.statusCode !== 201) throw new Error(`raw: ${res.statusCode} ${text}`);
    const { sid } = JSON.parse(text);
    await journal.append({ type: 'outcome', key, status: 'placed', sid });
    placed++;
  }
};
await Promise.all(Array.from({ length: Math.min(C, N) }, worker));
await pool.close();
await journal.close();
if (placed !== N) throw new Error(`raw: ${placed}/${N} placed`);
