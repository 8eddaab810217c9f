/**
 * A throttling HTTP forward proxy: a stand-in for an ordinary internet connection in the e2e suite
 * and the build benchmark (the Debian mirror and the npm registry are nearly free to download
 * from on the lab machine, which hides what a cache mount saves).
 *
 * - Listens on 127.0.0.1 (a free port by default). Handles absolute-URI requests
 *   (`GET http://deb.debian.org/... HTTP/1.1`, what apt and pip send to an http proxy) and CONNECT
 *   tunnels (what npm sends for https://registry.npmjs.org; the bytes are tunnelled as they are).
 * - Every byte sent back to the clients (response headers and bodies, tunnel bytes) goes through
 *   ONE token bucket shared by all connections: `rate` bytes per second, with a burst of
 *   `burst` bytes. Like a real access link, parallel downloads share the bandwidth.
 * - `latency` ms of one-way delay on each direction of every connection (a round trip costs
 *   2 × latency): a delay line, so a request/response exchange pays the round trip while a stream
 *   keeps flowing. Opening a connection to the proxy costs one extra round trip (the TCP handshake
 *   a remote server would need).
 * - Counts what it serves: `stats()` -> {bytesDown, bytesUp, requests, tunnels, maxOpen, errors}; `reset()`
 *   zeroes the counters (per-build accounting).
 *
 * Usage:
 *   const p = await startThrottleProxy({ rate: 2e6, latency: 20 });  // p.url, p.port
 *   ... p.stats().bytesDown ...
 *   await p.close();                                   // closes the server and every connection
 * CLI (manual runs): node test/e2e/throttle-proxy.mjs [--rate 2MB] [--latency 20] [--port N]
 */
import dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** "2MB" (bytes), "500kB", "16Mbit" or "16Mb" (bits), "2000000" -> bytes per second (k/M/G = 1000). */
export function parseRate(text) {
  const m = /^\s*([\d.]+)\s*([kmg]?)(B|bit|b)?(\/s|ps)?\s*$/i.exec(String(text));
  if (!m || !(Number(m[1]) > 0)) throw new Error(`cannot parse rate: ${text} (examples: 2MB, 500kB, 16Mbit)`);
  const mult = { k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase()] ?? 1;
  const bits = m[3] === 'bit' || m[3] === 'b';
  return (Number(m[1]) * mult) / (bits ? 8 : 1);
}

/** Human form of a byte count (1000-based). */
export function formatBytes(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}

/** A token bucket shared by all connections; take(n) resolves when n bytes may be sent (FIFO). */
class TokenBucket {
  constructor(rate, burst) {
    this.rate = rate;
    this.burst = burst;
    this.tokens = burst;
    this.last = performance.now();
    this.queue = [];
    this.timer = null;
  }
  refill() {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
  take(n) {
    return new Promise((resolve) => {
      this.queue.push({ n, resolve });
      this.drain();
    });
  }
  drain() {
    if (this.timer) return;
    this.refill();
    while (this.queue.length && this.tokens >= Math.min(this.queue[0].n, this.burst)) {
      const { n, resolve } = this.queue.shift();
      this.tokens -= n; // may go negative for a piece larger than the burst: repaid before the next one
      resolve();
    }
    if (this.queue.length) {
      const need = Math.min(this.queue[0].n, this.burst) - this.tokens;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.drain();
      }, Math.max(1, Math.ceil((need / this.rate) * 1000)));
    }
  }
  close() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const { resolve } of this.queue.splice(0)) resolve();
  }
}

const PIECE = 16 * 1024;
const HIGH_WATER = 256 * 1024;

/**
 * One direction of a connection: chunks written to it come out at `dst` after `delay` ms and,
 * when `bucket` is set, at the bucket's pace. Order is kept. `src` is paused while more than
 * HIGH_WATER bytes wait (backpressure), resumed when they drain.
 */
class Pipe {
  constructor(src, dst, { delay, bucket, count, state }) {
    this.src = src;
    this.dst = dst;
    this.delay = delay;
    this.bucket = bucket;
    this.count = count;
    this.state = state;
    this.queue = [];
    this.queued = 0;
    this.running = false;
    this.ended = false;
    src.on('data', (chunk) => this.push(chunk));
    src.on('end', () => {
      this.ended = true;
      this.pump();
    });
  }
  push(chunk) {
    this.queue.push({ chunk, at: performance.now() + this.delay });
    this.queued += chunk.length;
    if (this.queued > HIGH_WATER) this.src.pause();
    this.pump();
  }
  async pump() {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length && !this.state.closed) {
        const item = this.queue[0];
        const wait = item.at - performance.now();
        if (wait > 0) await sleep(wait, this.state);
        for (let off = 0; off < item.chunk.length && !this.state.closed; off += PIECE) {
          const piece = item.chunk.subarray(off, off + PIECE);
          if (this.bucket) await this.bucket.take(piece.length);
          if (this.state.closed || this.dst.destroyed) return;
          this.count(piece.length);
          if (!this.dst.write(piece)) await drained(this.dst);
        }
        this.queue.shift();
        this.queued -= item.chunk.length;
        if (this.queued <= HIGH_WATER / 2 && this.src.isPaused()) this.src.resume();
      }
      if (this.ended && !this.queue.length && !this.dst.destroyed) this.dst.end();
    } finally {
      this.running = false;
    }
  }
}

/**
 * dns.lookup with the answers kept for a minute and concurrent lookups of one name shared.
 * Measured here: 40 simultaneous lookups of registry.npmjs.org -> 15 of them wait for the
 * resolver's 5 s retry (it drops bursts), which turned npm's 250 tunnels into a 50 s install.
 */
const dnsCache = new Map();
function cachedLookup(hostname, options, callback) {
  if (typeof options === 'function') [options, callback] = [{}, options];
  let entry = dnsCache.get(hostname);
  if (!entry || entry.expires < Date.now()) {
    entry = {
      expires: Date.now() + 60_000,
      result: new Promise((resolve) => dns.lookup(hostname, { all: true }, (err, addrs) => resolve({ err, addrs }))),
    };
    dnsCache.set(hostname, entry);
    entry.result.then(({ err }) => err && dnsCache.delete(hostname));
  }
  entry.result.then(({ err, addrs }) => {
    if (err) return callback(err);
    const list = options.family ? addrs.filter((a) => a.family === options.family) : addrs;
    if (!list.length) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
    if (options.all) callback(null, list);
    else callback(null, list[0].address, list[0].family);
  });
}

/** Resolves when a writable emits 'drain' (or closes), removing both listeners. */
function drained(w) {
  return new Promise((resolve) => {
    const done = () => {
      w.off('drain', done);
      w.off('close', done);
      resolve();
    };
    w.on('drain', done);
    w.on('close', done);
  });
}

function sleep(ms, state) {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      state.timers.delete(t);
      resolve();
    }, ms);
    state.timers.add(t);
  });
}

/**
 * Start the proxy. Options: rate (bytes/s down, shared; default 2 MB/s), burst (bytes; default
 * 64 kB), latency (one-way ms; default 20), upRate (bytes/s up; default unlimited), port (0 =
 * free), host ('127.0.0.1'), log (fn for connection errors; default silent).
 * Resolves to {url, port, host, rate, latency, stats(), reset(), close()}.
 */
export async function startThrottleProxy(opts = {}) {
  const rate = opts.rate ?? 2e6;
  const latency = opts.latency ?? 20;
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const down = new TokenBucket(rate, opts.burst ?? 64 * 1024);
  const up = opts.upRate ? new TokenBucket(opts.upRate, opts.burst ?? 64 * 1024) : null;
  const state = { closed: false, timers: new Set() };
  const counters = { bytesDown: 0, bytesUp: 0, requests: 0, tunnels: 0, maxOpen: 0, errors: 0 };
  let open = 0;
  const sockets = new Set();
  const track = (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };

  /** Wire client <-> upstream (raw sockets) through the two delay/throttle pipes. */
  const splice = (client, upstream, head) => {
    new Pipe(upstream, client, { delay: latency, bucket: down, count: (n) => (counters.bytesDown += n), state });
    const upPipe = new Pipe(client, upstream, { delay: latency, bucket: up, count: (n) => (counters.bytesUp += n), state });
    if (head?.length) upPipe.push(head);
    const fail = (e) => {
      if (e && e.code !== 'ECONNRESET' && e.code !== 'EPIPE') {
        counters.errors++;
        log(`throttle-proxy: ${e.message}`);
      }
      client.destroy();
      upstream.destroy();
    };
    client.on('error', fail);
    upstream.on('error', fail);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      // let queued bytes drain to the client; the pipe ends it
    });
  };

  const connectUpstream = (hostname, port) =>
    new Promise((resolve, reject) => {
      const s = net.connect({ host: hostname, port: Number(port), lookup: cachedLookup });
      track(s);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });

  const server = http.createServer();
  server.keepAliveTimeout = 5000;

  // CONNECT host:port -> a byte tunnel.
  server.on('connect', async (req, client, head) => {
    track(client);
    counters.tunnels++;
    counters.maxOpen = Math.max(counters.maxOpen, ++open);
    client.on('close', () => open--);
    client.pause();
    const [hostname, port = '443'] = splitHostPort(req.url);
    try {
      await sleep(2 * latency, state); // the round trip of the TCP handshake to the remote server
      const upstream = await connectUpstream(hostname, port);
      if (state.closed) return client.destroy();
      const ok = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n');
      client.write(ok);
      splice(client, upstream, head);
      client.resume();
    } catch (e) {
      counters.errors++;
      log(`throttle-proxy: CONNECT ${req.url}: ${e.message}`);
      if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    }
  });

  // GET http://host/path HTTP/1.1 -> forwarded on a fresh upstream connection; the response goes
  // back through the throttle. One upstream connection per request keeps it simple (apt pipelines
  // on its side; the extra handshakes are on the unthrottled loopback/mirror side).
  server.on('request', (req, res) => {
    counters.requests++;
    counters.maxOpen = Math.max(counters.maxOpen, ++open);
    res.on('close', () => open--);
    let target;
    try {
      target = new URL(req.url);
      if (target.protocol !== 'http:') throw new Error(`unsupported scheme ${target.protocol}`);
    } catch (e) {
      counters.errors++;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`throttle-proxy: need an absolute http:// URL (${e.message})\n`);
      return;
    }
    const headers = { ...req.headers };
    for (const h of ['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']) delete headers[h];
    headers.host = target.host;
    const started = sleep(latency, state); // the request's trip to the server
    const upReq = http.request({
      host: target.hostname,
      port: target.port || 80,
      method: req.method,
      path: target.pathname + target.search,
      headers,
      agent: false,
      lookup: cachedLookup,
    });
    upReq.on('socket', track);
    upReq.on('error', (e) => {
      counters.errors++;
      log(`throttle-proxy: ${req.method} ${req.url}: ${e.message}`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`throttle-proxy: ${e.message}\n`);
      else res.destroy();
    });
    req.pipe(upReq);
    upReq.on('response', async (upRes) => {
      upRes.pause();
      await started;
      const head = `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\n${rawHeaders(upRes.rawHeaders)}\r\n`;
      // Response headers count against the link too; write them through the bucket as bytes of
      // the body would be, then stream the body.
      const hdrs = {};
      for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
        const k = upRes.rawHeaders[i];
        if (/^(connection|keep-alive|proxy-connection|transfer-encoding)$/i.test(k)) continue;
        hdrs[k] = hdrs[k] === undefined ? upRes.rawHeaders[i + 1] : [].concat(hdrs[k], upRes.rawHeaders[i + 1]);
      }
      await down.take(head.length);
      counters.bytesDown += head.length;
      if (state.closed) return res.destroy();
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, hdrs);
      new Pipe(upRes, res, { delay: latency, bucket: down, count: (n) => (counters.bytesDown += n), state });
      upRes.resume();
      upRes.on('error', () => res.destroy());
    });
  });
  server.on('connection', track);
  server.on('clientError', (e, s) => {
    if (e.code !== 'ECONNRESET') counters.errors++;
    s.destroy();
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, resolve);
  });
  const port = server.address().port;

  return {
    host,
    port,
    url: `http://${host}:${port}`,
    rate,
    latency,
    stats: () => ({ ...counters }),
    reset: () => {
      for (const k of Object.keys(counters)) counters[k] = 0;
    },
    close: () =>
      new Promise((resolve) => {
        state.closed = true;
        down.close();
        up?.close();
        for (const t of state.timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

function splitHostPort(hp) {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(hp) ?? /^([^:]+)(?::(\d+))?$/.exec(hp);
  return m ? [m[1], m[2] ?? '443'] : [hp, '443'];
}

function rawHeaders(raw) {
  let s = '';
  for (let i = 0; i < raw.length; i += 2) s += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return s;
}

// CLI: run a proxy until interrupted, printing the counters every 5 s.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const p = await startThrottleProxy({
    rate: parseRate(arg('rate', '2MB')),
    latency: Number(arg('latency', '20')),
    port: Number(arg('port', '0')),
    log: (m) => console.error(m),
  });
  console.log(`throttle-proxy on ${p.url}: ${formatBytes(p.rate)}/s down, ${p.latency} ms one-way latency`);
  const t = setInterval(() => console.log(JSON.stringify(p.stats())), 5000);
  const stop = async () => {
    clearInterval(t);
    await p.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
