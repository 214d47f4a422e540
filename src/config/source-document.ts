import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { PathSegments, Position, SourceDocument } from './types.js';

interface Step {
  /** The node reached (the last one that exists along the path). */
  readonly node: Node | null;
  /** The key node of the pair holding `node`, when `node` is a map value. */
  readonly key: Node | null;
  /** Whether the whole path exists. */
  readonly complete: boolean;
}

const follow = (doc: Document, node: unknown): unknown =>
  isAlias(node) ? (node.resolve(doc) ?? node) : node;

/** Whether a key node is the data key `segment` (yaml turns a null key into ""). */
const keyMatches = (key: unknown, segment: string | number): boolean =>
  isScalar(key) && (key.value === null ? '' : String(key.value)) === String(segment);

const indexOf = (segment: string | number): number =>
  typeof segment === 'number' ? segment : /^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : -1;

/** Walks the node tree along `path`, through aliases, stopping at the last node that exists. */
export const walk = (doc: Document, path: PathSegments): Step => {
  let node = (doc.contents ?? null) as Node | null;
  let key: Node | null = null;
  for (const segment of path) {
    const container = follow(doc, node);
    let next: Node | null | undefined;
    let nextKey: Node | null = null;
    if (isMap(container)) {
      const pair = container.items.findLast((item) => keyMatches(item.key, segment));
      if (pair) {
        nextKey = pair.key as Node;
        next = (pair.value as Node | null) ?? nextKey;
      }
    } else if (isSeq(container)) {
      next = container.items[indexOf(segment)] as Node | null | undefined;
    }
    if (!next) return { node, key, complete: false };
    node = next;
    key = nextKey;
  }
  return { node, key, complete: true };
};

/**
 * A parsed YAML document as plain data plus positions. `data` is undefined when the
 * document could not be read (its errors are reported by parseSource).
 */
export const createSourceDocument = (
  file: string,
  index: number,
  doc: Document,
  lineCounter: LineCounter,
  data: unknown,
): SourceDocument => {
  const documentStart = doc.range?.[0] ?? 0;
  const at = (node: Node | null): Position => {
    const offset = node?.range?.[0] ?? documentStart;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return {
    file,
    index,
    data,
    locate: (path) => at(walk(doc, path).node),
    locateKey: (path) => {
      const step = walk(doc, path);
      return at(step.complete && step.key ? step.key : step.node);
    },
  };
};
