/**
 * The throttling proxy used by the e2e suite's "ordinary network" measurements
 * (test/e2e/throttle-proxy.mjs), against a local upstream server: rate, shared bucket, latency,
 * byte counts, CONNECT tunnels, and a clean close.
 */
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module (no type declarations)
import { parseRate, startThrottleProxy } from './e2e/throttle-proxy.mjs';

const BODY = Buffer.alloc(400_000, 'x');
let upstream: http.Server;
let upstreamPort: number;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    if (req.url === '/small') return res.end('ok');
    res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

/** GET through the proxy with an absolute URI; resolves to {status, body, ms}. */
function viaProxy(proxyPort: number, path: string): Promise<{ status: number; body: Buffer; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, path: `http://127.0.0.1:${upstreamPort}${path}`, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - t }));
      res.on('error', reject);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - t }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** CONNECT to the upstream, send a raw GET through the tunnel; resolves to the raw response. */
function viaTunnel(proxyPort: number): Promise<{ head: string; bytes: number; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `127.0.0.1:${upstreamPort}`, agent: false });
    req.on('connect', (res, socket) => {
      expect(res.statusCode).toBe(200);
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => {
        const all = Buffer.concat(chunks);
        resolve({ head: all.subarray(0, all.indexOf('\r\n')).toString(), bytes: all.length, ms: performance.now() - t });
      });
      socket.write(`GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('throttle proxy', () => {
  it('parses rates in bytes and bits', () => {
    expect(parseRate('2MB')).toBe(2e6);
    expect(parseRate('500kB')).toBe(5e5);
    expect(parseRate('16Mbit')).toBe(2e6);
    expect(parseRate('16Mb/s')).toBe(2e6);
    expect(parseRate('1500000')).toBe(1.5e6);
    expect(() => parseRate('fast')).toThrow(/cannot parse rate/);
  });

  it('forwards absolute-URI requests at the configured rate and counts the bytes', async () => {
    const p = await startThrottleProxy({ rate: 2e6, latency: 0 });
    try {
      const r = await viaProxy(p.port, '/big');
      expect(r.status).toBe(200);
      expect(r.body.equals(BODY)).toBe(true);
      // 400 kB at 2 MB/s with a 64 kB burst: at least (400 - 66) / 2000 s.
      expect(r.ms).toBeGreaterThanOrEqual(150);
      expect(r.ms).toBeLessThan(5000);
      const s = p.stats();
      expect(s.requests).toBe(1);
      expect(s.bytesDown).toBeGreaterThanOrEqual(BODY.length);
      expect(s.bytesDown).toBeLessThan(BODY.length + 1000);
      p.reset();
      expect(p.stats().bytesDown).toBe(0);
    } finally {
      await p.close();
    }
  });

  it('shares one bucket between parallel downloads', async () => {
    const p = await startThrottleProxy({ rate: 4e6, latency: 0 });
    try {
      const t = performance.now();
      const rs = await Promise.all([1, 2, 3, 4].map(() => viaProxy(p.port, '/big')));
      const ms = performance.now() - t;
      expect(rs.every((r) => r.body.length === BODY.length)).toBe(true);
      // 1.6 MB at 4 MB/s shared: about 0.4 s, not the 0.1 s four separate 4 MB/s links would take.
      expect(ms).toBeGreaterThanOrEqual(300);
      expect(p.stats().maxOpen).toBeGreaterThanOrEqual(2);
    } finally {
      await p.close();
    }
  });

  it('adds the latency to each exchange', async () => {
    const p = await startThrottleProxy({ rate: 1e9, latency: 60 });
    try {
      const r = await viaProxy(p.port, '/small');
      expect(r.body.toString()).toBe('ok');
      expect(r.ms).toBeGreaterThanOrEqual(115); // request one way + response the other way
    } finally {
      await p.close();
    }
  });

  it('tunnels CONNECT byte for byte, throttled and counted', async () => {
    const p = await startThrottleProxy({ rate: 2e6, latency: 0 });
    try {
      const r = await viaTunnel(p.port);
      expect(r.head).toBe('HTTP/1.1 200 OK');
      expect(r.bytes).toBeGreaterThan(BODY.length);
      expect(r.ms).toBeGreaterThanOrEqual(150);
      const s = p.stats();
      expect(s.tunnels).toBe(1);
      expect(s.bytesDown).toBe(r.bytes);
      expect(s.bytesUp).toBeGreaterThan(30);
    } finally {
      await p.close();
    }
  });

  it('answers 400 to a request that is not for an http:// URL, and closes cleanly mid-download', async () => {
    const p = await startThrottleProxy({ rate: 1e5, latency: 0 });
    const bad = await new Promise<number>((resolve) =>
      http.get({ host: '127.0.0.1', port: p.port, path: '/relative', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }),
    );
    expect(bad).toBe(400);
    // A 400 kB download at 100 kB/s is still running when the proxy closes: close() must not hang.
    const pending = viaProxy(p.port, '/big').catch((e) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t = performance.now();
    await p.close();
    expect(performance.now() - t).toBeLessThan(1000);
    const r = await pending;
    expect(r instanceof Error || r.body.length < BODY.length).toBe(true);
    await expect(viaProxy(p.port, '/small')).rejects.toThrow(/ECONNREFUSED/);
  });
});
