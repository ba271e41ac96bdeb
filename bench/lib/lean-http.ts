/**
 * Keep-alive HTTP/1.1 GETs over plain sockets, for the load benchmark's polls. The benchmark runs on the same two
 * cores as the service it measures, so every millisecond of CPU its client spends is taken from the API and the
 * database: Node's http client spent about 0.42 ms of CPU a poll here, this one about 0.27 ms. A request is one
 * write; an answer is read by its Content-Length (the API always sends one), one request per connection at a
 * time, connections kept and reused as a browser or SDK would. At most `maxConnections` are open (64 by default,
 * about what a fleet of pollers behind a gateway would hold); beyond that, requests wait here for one, and their
 * wait counts in the latency the benchmark measures. Without a bound, a one-second stall of the machine became
 * 500 new connections at once, more than the API's listen queue holds, and their dropped SYNs were retried a
 * second and more later: seconds of latency made by the client, not the service.
 */
import net from 'node:net';

export interface LeanAnswer {
  status: number;
  body: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** A kept connection the server closed (its keep-alive timeout) as a request went out on it, before any of
 * the answer came: the request is sent again on a new connection, as browsers and HTTP libraries do. */
class StaleConnectionError extends Error {}

class LeanConnection {
  readonly socket: net.Socket;
  private pending?: { resolve: (a: LeanAnswer) => void; reject: (e: Error) => void };
  private buffered: Buffer = Buffer.alloc(0);
  /** Answers read on this connection so far. */
  private answered = 0;

  constructor(
    host: string,
    port: number,
    private readonly released: (c: LeanConnection) => void,
    private readonly closed: (c: LeanConnection) => void,
  ) {
    this.socket = net.connect(port, host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => {
      this.fail(new Error('the connection closed before the answer was complete'));
      this.closed(this);
    });
  }

  send(request: Buffer): Promise<LeanAnswer> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(request);
    });
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headEnd = this.buffered.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      this.socket.destroy(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
      return;
    }
    const end = headEnd + HEAD_END.length + Number(length[1]);
    if (this.buffered.length < end) return;
    const answer = { status: Number(head.slice(9, 12)), body: this.buffered.subarray(headEnd + HEAD_END.length, end) };
    if (this.buffered.length > end) {
      this.socket.destroy(new Error('bytes after the answer to a request that was the only one sent'));
      return;
    }
    this.buffered = Buffer.alloc(0);
    this.answered++;
    const pending = this.pending;
    this.pending = undefined;
    if (/\r\nconnection: *close/i.test(head)) this.socket.end();
    else this.released(this);
    pending?.resolve(answer);
  }

  private fail(err: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    const stale = this.answered > 0 && this.buffered.length === 0;
    pending?.reject(stale ? new StaleConnectionError(err.message) : err);
  }
}

interface Waiting {
  request: Buffer;
  resolve: (a: LeanAnswer) => void;
  reject: (e: Error) => void;
}

/** GETs against one host with fixed headers (say, the bearer token). */
export class LeanHttpClient {
  private readonly idle: LeanConnection[] = [];
  private readonly all = new Set<LeanConnection>();
  private readonly waiting: Waiting[] = [];
  private readonly headerLines: string;
  private closing = false;
  /** Connections opened so far: more than a few means requests queued at the server. */
  opened = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    headers: Record<string, string>,
    private readonly maxConnections = 64,
  ) {
    this.headerLines = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
  }

  get(path: string): Promise<LeanAnswer> {
    const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n${this.headerLines}\r\n`);
    const connection = this.idle.pop() ?? (this.all.size < this.maxConnections ? this.open() : undefined);
    if (connection) return this.sendOn(connection, request);
    return new Promise((resolve, reject) => this.waiting.push({ request, resolve, reject }));
  }

  close(): void {
    this.closing = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('the client was closed'));
    for (const c of this.all) c.socket.destroy();
  }

  /** Gives a free connection the oldest waiting request, or keeps it for the next one. */
  private next(connection: LeanConnection): void {
    const waiting = this.waiting.shift();
    if (waiting) this.sendOn(connection, waiting.request).then(waiting.resolve, waiting.reject);
    else this.idle.push(connection);
  }

  private sendOn(connection: LeanConnection, request: Buffer): Promise<LeanAnswer> {
    return connection
      .send(request)
      .catch((err: unknown) => (err instanceof StaleConnectionError ? this.open().send(request) : Promise.reject(err)));
  }

  private open(): LeanConnection {
    const connection = new LeanConnection(
      this.host,
      this.port,
      (c) => this.next(c),
      (c) => {
        const at = this.idle.indexOf(c);
        if (at >= 0) this.idle.splice(at, 1);
        this.all.delete(c);
        if (this.waiting.length > 0 && !this.closing) this.next(this.open());
      },
    );
    this.all.add(connection);
    this.opened++;
    return connection;
  }
}
