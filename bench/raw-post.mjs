#!/usr/bin/env node
// The floor of `apply`: a raw undici Pool posting the create-call bodies callops sends for
// the bench project (bench/index.mjs writes the same calls as YAML) to the same simulator,
// `concurrency` in flight, no state, no output. Usage: raw-post.mjs URL CALLS CONCURRENCY
import { Pool } from 'undici';
import { benchBody } from './body.mjs';

const [url, n, c] = process.argv.slice(2);
const N = Number(n);
const C = Number(c);
const ACCOUNT_SID = '0ca110b5-0000-4000-8000-000000000001';
const API_KEY = '0ca110b5-0000-4000-8000-00000000a9e1';

const pool = new Pool(url, { connections: C, pipelining: 1 });
const path = `/v1/Accounts/${ACCOUNT_SID}/Calls`;
let next = 0;
let placed = 0;
const worker = async () => {
  while (next < N) {
    const i = next++;
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
    JSON.parse(text);
    placed++;
  }
};
await Promise.all(Array.from({ length: Math.min(C, N) }, worker));
await pool.close();
if (placed !== N) throw new Error(`raw: ${placed}/${N} placed`);
