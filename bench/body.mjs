// The create-call body of the bench's call number i: what callops sends for the calls the
// bench writes as YAML (checked against the simulator's request log), and what the raw
// baseline posts.
export const benchBody = (i) => ({
  application_sid: '5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
  from: '+15550001111',
  to: { type: 'phone', number: `+1555${String(i).padStart(7, '0')}` },
  tag: { run: 'bench', i },
});
