/** A slot as it appears in keys and output: UTC ISO-8601, seconds precision, `Z`. */
export const formatSlot = (slot: Date): string => `${slot.toISOString().slice(0, 19)}Z`;

/**
 * `<target>/<name>` for an unscheduled call, `<target>/<name>@<slot>` for a scheduled one.
 * Joined, not concatenated: a run keeps a key for every call, and a concatenation is a pair
 * of pointers that V8 later flattens into a second string beside it (twice the heap).
 */
export const placementKey = (target: string, name: string, slot?: Date): string =>
  slot === undefined
    ? [target, name].join('/')
    : [target, '/', name, '@', formatSlot(slot)].join('');

const text = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '?';
  return JSON.stringify(value);
};

/**
 * Whom a call dials, readable, exactly as written: `${VAR}` references stay unresolved, so
 * the rendering never holds a value from the environment.
 */
export const renderTo = (to: unknown): string => {
  if (typeof to === 'string') return to;
  if (to !== null && typeof to === 'object' && !Array.isArray(to)) {
    const t = to as Readonly<Record<string, unknown>>;
    switch (t.type) {
      case 'phone':
        return t.trunk === undefined
          ? text(t.number)
          : `${text(t.number)} (trunk ${text(t.trunk)})`;
      case 'sip':
        return text(t.sipUri);
      case 'user':
        return `user ${text(t.name)}`;
      case 'teams':
        return `teams ${text(t.number)}`;
    }
  }
  return to === undefined ? '(no destination)' : text(to);
};
