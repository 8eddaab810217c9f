/**
 * The run's directory listings (src/core/listings.ts): every answer equals the file system's, for
 * files, folders, links (to files, folders, nowhere) and names that are not there; `linkFree` only
 * for files the search listed under a root that is its own real path.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { direct, Listings, MAX_SEEDED_DIRS } from '../src/core/listings.js';
import { discover } from '../src/cli/discover.js';

function tree(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-listings-')));
  fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  fs.writeFileSync(path.join(dir, 'a', 'Dockerfile'), 'FROM scratch\n');
  fs.writeFileSync(path.join(dir, 'a', 'b', 'package.json'), '{}');
  fs.symlinkSync(path.join(dir, 'Dockerfile'), path.join(dir, 'a', 'link-to-file'));
  fs.symlinkSync(path.join(dir, 'a', 'b'), path.join(dir, 'link-to-dir'));
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
  // A named pipe: neither file nor folder (POSIX only).
  if (process.platform !== 'win32') execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  return dir;
}

describe('Listings', () => {
  it('answers exists / isFile / isDirectory / names as the file system does, seeded or not', async () => {
    const dir = tree();
    const seeded = new Listings();
    await discover([dir], dir, seeded);
    const lazy = new Listings();
    const paths = [
      '',
      'Dockerfile',
      'a',
      'a/Dockerfile',
      'a/b',
      'a/b/package.json',
      'a/link-to-file',
      'link-to-dir',
      'link-to-dir/package.json',
      'dangling',
      'fifo',
      'missing',
      'a/missing',
      'missing/deeper',
      'Dockerfile/not-a-dir',
    ].map((p) => path.join(dir, p));
    for (const l of [seeded, lazy])
      for (const p of paths) {
        expect([p, l.exists(p)]).toEqual([p, direct.exists(p)]);
        expect([p, l.isFile(p)]).toEqual([p, direct.isFile(p)]);
        expect([p, l.isDirectory(p)]).toEqual([p, direct.isDirectory(p)]);
        expect([p, l.names(p).sort()]).toEqual([p, direct.names(p).sort()]);
      }
    // Seeded from the search: answered without asking again (a file made afterwards is not seen).
    fs.writeFileSync(path.join(dir, 'a', 'late.json'), '{}');
    expect(seeded.exists(path.join(dir, 'a', 'late.json'))).toBe(false);
    expect(new Listings().exists(path.join(dir, 'a', 'late.json'))).toBe(true);
  });

  it('linkFree: files the search listed under a real root; not under a root reached through a link, nor links', async () => {
    const dir = tree();
    const real = new Listings();
    await discover([dir], dir, real);
    expect(real.linkFree(path.join(dir, 'a', 'Dockerfile'))).toBe(true);
    expect(real.linkFree(path.join(dir, 'a', 'link-to-file'))).toBe(false);
    expect(real.linkFree(path.join(dir, 'a', 'missing'))).toBe(false);
    const viaLink = path.join(dir, 'via');
    fs.symlinkSync(path.join(dir, 'a'), viaLink);
    const linked = new Listings();
    const found = await discover([viaLink], dir, linked);
    expect(found.files).toEqual([path.join(viaLink, 'Dockerfile')]);
    expect(linked.linkFree(path.join(viaLink, 'Dockerfile'))).toBe(false);
    // Not listed by a search: never link-free.
    expect(new Listings().linkFree(path.join(dir, 'Dockerfile'))).toBe(false);
  });
});

describe('Listings bounds', () => {
  it(`keeps at most MAX_SEEDED_DIRS listings from a search; later folders are read when asked about`, () => {
    const dir = tree();
    const l = new Listings();
    const fake = [{ name: 'x', isFile: () => true, isDirectory: () => false, isSymbolicLink: () => false }] as unknown as fs.Dirent[];
    for (let i = 0; i < MAX_SEEDED_DIRS; i++) l.seed(path.join(dir, `d${i}`), fake);
    // The cap is reached: this seed is not kept, so the real folder is read when asked about.
    l.seed(path.join(dir, 'a'), fake, true);
    expect(l.exists(path.join(dir, 'a', 'x'))).toBe(false);
    expect(l.exists(path.join(dir, 'a', 'Dockerfile'))).toBe(true);
    expect(l.linkFree(path.join(dir, 'a', 'x'))).toBe(false);
    // A kept one answers from the listing.
    expect(l.exists(path.join(dir, 'd0', 'x'))).toBe(true);
  });
});
