import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * A minimal Language Server Protocol client over stdio: enough to open documents and ask
 * yaml-language-server for diagnostics, hover and completion, as an editor would.
 */

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Diagnostic {
  readonly range: { readonly start: Position; readonly end: Position };
  readonly message: string;
  readonly severity?: number;
}

export interface CompletionItem {
  readonly label: string;
  readonly kind?: number;
  readonly insertText?: string;
  readonly textEdit?: { readonly newText: string };
  readonly documentation?: string | { readonly value: string };
}

export interface Hover {
  readonly contents: { readonly kind: string; readonly value: string } | string;
}

type Json = Record<string, unknown>;
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

const require = createRequire(import.meta.url);

export class LanguageClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly diagnosticWaiters = new Map<string, (d: Diagnostic[]) => void>();
  private configured: () => void = () => undefined;
  /** Resolved once the server has pulled its settings (and got ours). */
  readonly configuredOnce: Promise<void>;
  /** Everything the server wrote to stderr, for failure messages. */
  stderr = '';
  /** Every request the server sent us, by method (e.g. a schema fetched over the network). */
  readonly serverRequests: string[] = [];

  constructor(private readonly settings: Json) {
    const bin = require.resolve('yaml-language-server/bin/yaml-language-server');
    this.child = spawn(process.execPath, [bin, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
    });
    this.child.once('exit', (code, signal) => {
      const error = new Error(`language server exited (${code ?? signal}): ${this.stderr}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
    this.configuredOnce = new Promise((resolve) => {
      this.configured = resolve;
    });
  }

  private send(message: Json): void {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const length = Number(/Content-Length: (\d+)/i.exec(header)?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(JSON.parse(body) as Json);
    }
  }

  private dispatch(message: Json): void {
    const { id, method } = message;
    if (typeof method === 'string' && id !== undefined) {
      this.serverRequests.push(method);
      this.send({ id, result: this.answer(method, message.params) });
    } else if (typeof method === 'string') {
      if (method === 'textDocument/publishDiagnostics') {
        const params = message.params as { uri: string; diagnostics: Diagnostic[] };
        this.diagnosticWaiters.get(params.uri)?.(params.diagnostics);
        this.diagnosticWaiters.delete(params.uri);
      }
    } else if (typeof id === 'number') {
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (message.error) p?.reject(new Error(JSON.stringify(message.error)));
      else p?.resolve(message.result);
    }
  }

  /** Answers the server's requests: its settings pull, and nothing else. */
  private answer(method: string, params: unknown): unknown {
    if (method !== 'workspace/configuration') return null;
    const items = (params as { items: { section?: string }[] }).items;
    const result = items.map((i) => (i.section === 'yaml' ? this.settings : null));
    if (items.some((i) => i.section === 'yaml')) setImmediate(this.configured);
    return result;
  }

  request<T>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  async start(rootUri: string): Promise<void> {
    await this.request('initialize', {
      processId: process.pid,
      rootUri,
      capabilities: {
        workspace: { configuration: true },
        textDocument: {
          completion: {
            completionItem: { snippetSupport: true, documentationFormat: ['markdown'] },
          },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
      },
    });
    this.notify('initialized', {});
    await this.configuredOnce;
  }

  /** Opens a document and resolves with the diagnostics the server publishes for it. */
  open(uri: string, text: string): Promise<Diagnostic[]> {
    const published = new Promise<Diagnostic[]>((resolve) => {
      this.diagnosticWaiters.set(uri, resolve);
    });
    this.notify('textDocument/didOpen', {
      textDocument: { uri, languageId: 'yaml', version: 1, text },
    });
    return published;
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.request('textDocument/hover', { textDocument: { uri }, position });
  }

  async completion(uri: string, position: Position): Promise<CompletionItem[]> {
    const result = await this.request<{ items: CompletionItem[] } | CompletionItem[] | null>(
      'textDocument/completion',
      { textDocument: { uri }, position },
    );
    return Array.isArray(result) ? result : (result?.items ?? []);
  }

  /** LSP shutdown and exit; kills the process if it does not exit within `ms`. */
  async stop(ms = 2_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      await Promise.race([this.request('shutdown', null), exited]);
      this.notify('exit', null);
    } catch {
      this.child.kill('SIGKILL');
    }
    await exited;
    clearTimeout(timer);
  }
}
