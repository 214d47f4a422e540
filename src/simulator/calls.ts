/** A call the simulator accepted, as GET /Calls shows it (jambonz' snake_case call info). */
export interface AcceptedCall {
  readonly call_sid: string;
  readonly call_id: string;
  readonly account_sid: string;
  readonly application_sid?: string;
  readonly direction: 'outbound';
  readonly from: unknown;
  readonly to: unknown;
  /** jambonz' name for the call state: a simulated call never leaves "queued". */
  readonly call_status: 'queued';
  /** The same as call_status, under a shorter name. */
  readonly status: 'queued';
  readonly created_at: string;
  readonly tag?: unknown;
}

export interface CallStore {
  add(call: AcceptedCall): void;
  list(accountSid: string): readonly AcceptedCall[];
  get(accountSid: string, callSid: string): AcceptedCall | undefined;
}

export const createCallStore = (): CallStore => {
  const calls = new Map<string, AcceptedCall>();
  return {
    add: (call) => {
      calls.set(call.call_sid, call);
    },
    list: (accountSid) => [...calls.values()].filter((c) => c.account_sid === accountSid),
    get: (accountSid, callSid) => {
      const call = calls.get(callSid);
      return call?.account_sid === accountSid ? call : undefined;
    },
  };
};

/** The stored call for an accepted body; the gateway puts the path's account in the body. */
export const acceptedCall = (
  body: Readonly<Record<string, unknown>>,
  ids: {
    readonly sid: string;
    readonly callId: string;
    readonly accountSid: string;
    readonly at: string;
  },
): AcceptedCall => ({
  call_sid: ids.sid,
  call_id: ids.callId,
  account_sid: ids.accountSid,
  ...(typeof body.application_sid === 'string' ? { application_sid: body.application_sid } : {}),
  direction: 'outbound',
  from: body.from,
  to: body.to,
  call_status: 'queued',
  status: 'queued',
  created_at: ids.at,
  ...(body.tag === undefined ? {} : { tag: body.tag }),
});
