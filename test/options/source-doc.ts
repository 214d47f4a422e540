import { isMap, isNode, LineCounter, parseDocument } from 'yaml';
import type { PathSegments, Position, SourceDocument } from '../../src/config/types.js';

/** A SourceDocument built from YAML text, with positions from the YAML nodes (test use). */
export const sourceDoc = (text: string, file = 'calls/test.yaml'): SourceDocument => {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) throw new Error(`bad test YAML: ${doc.errors[0]?.message}`);
  const pos = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const nodeAt = (path: PathSegments): unknown =>
    path.length === 0 ? doc.contents : doc.getIn(path, true);
  const locate = (path: PathSegments): Position => {
    for (let n = path.length; n >= 0; n--) {
      const node = nodeAt(path.slice(0, n));
      if (isNode(node) && node.range) return pos(node.range[0]);
    }
    return { line: 1, column: 1 };
  };
  const locateKey = (path: PathSegments): Position => {
    const parent = nodeAt(path.slice(0, -1));
    if (isMap(parent)) {
      const pair = parent.items.find(
        (p) => isNode(p.key) && String(p.key.toJSON()) === String(path.at(-1)),
      );
      if (pair && isNode(pair.key) && pair.key.range) return pos(pair.key.range[0]);
    }
    return locate(path);
  };
  return { file, index: 0, data: doc.toJS(), locate, locateKey };
};
