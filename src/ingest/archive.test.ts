import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/support/fixtures.ts';
import { makeZip } from '../../test/support/zip.ts';
import { archiveLimits, classifyName, gunzipCapped, kindOfNamedFile, readZip, SizeLimitError, sniff, storedName, type ArchiveItem } from './archive.ts';

const fit = fixture('run-garmin-fr110-hr.fit');

describe('classifyName', () => {
  it('knows FIT, gzipped FIT and zips, says why it skips GPX, TCX and macOS files, ignores hidden and system files', () => {
    expect(classifyName('run.FIT')).toEqual({ kind: 'fit' });
    expect(classifyName('activities/123.fit.gz')).toEqual({ kind: 'fit.gz' });
    expect(classifyName('export.ZIP')).toEqual({ kind: 'zip' });
    expect(classifyName('a.gpx')).toEqual({ kind: 'skip', reason: 'GPX file: Kinetic reads FIT files only — export the original FIT file' });
    expect(classifyName('activities/1.tcx.gz')).toEqual({ kind: 'skip', reason: 'TCX file: Kinetic reads FIT files only — export the original FIT file' });
    expect(classifyName('._run.fit')).toEqual({ kind: 'skip', reason: 'macOS metadata, not a FIT file' });
    expect(classifyName('__MACOSX/x/run.fit')).toEqual({ kind: 'skip', reason: 'macOS metadata, not a FIT file' });
    expect(classifyName('x\\.DS_Store')).toEqual({ kind: 'ignore' });
    expect(classifyName('Thumbs.db')).toEqual({ kind: 'ignore' });
    expect(classifyName('notes.txt')).toEqual({ kind: 'unknown' });
  });
});

describe('kindOfNamedFile', () => {
  it('goes by the name, and by the first bytes when the name says nothing or they are an archive', () => {
    expect(kindOfNamedFile('/x/run.fit', Buffer.from('whatever'))).toBe('fit');
    expect(kindOfNamedFile('/x/activity', fit.subarray(0, 12))).toBe('fit');
    expect(kindOfNamedFile('/x/download', gzipSync(fit).subarray(0, 12))).toBe('gzip');
    expect(kindOfNamedFile('/x/1.fit.gz', gzipSync(fit).subarray(0, 12))).toBe('fit.gz');
    expect(kindOfNamedFile('/x/renamed.fit', Buffer.from('PK\u0003\u0004'))).toBe('zip');
    expect(kindOfNamedFile('/x/notes.txt', Buffer.from('hello'))).toEqual({ skip: 'not a FIT file' });
    expect(kindOfNamedFile('/x/.DS_Store', Buffer.from(''))).toEqual({ skip: 'hidden or system file, not a FIT file' });
    expect(sniff(Buffer.from(''))).toBeUndefined();
    expect(storedName('a.zip/b/1.fit.gz')).toBe('a.zip/b/1.fit');
  });
});

describe('gunzipCapped', () => {
  it('inflates, and stops a gzip bomb at the cap', async () => {
    expect(Buffer.compare(await gunzipCapped(gzipSync(fit), fit.length), Buffer.from(fit))).toBe(0);
    await expect(gunzipCapped(gzipSync(Buffer.alloc(10_000_000)), 100_000)).rejects.toThrow(new SizeLimitError('uncompresses to more than 0.1 MB'));
  });
});

describe('readZip', () => {
  it('counts gzips inside (the gzip and what it inflates to) towards the budget of the archive', async () => {
    const zip = await makeZip(Array.from({ length: 5 }, (_, i) => ({ path: `a/${i}.fit.gz`, bytes: gzipSync(Buffer.alloc(90_000, i)) })));
    const items: ArchiveItem[] = [];
    const limits = { ...archiveLimits(100_000, zip.length), maxTotalBytes: 250_000 };
    for await (const item of readZip({ bytes: zip }, 'z.zip', limits)) items.push(item);
    expect(items.filter((i) => i.type === 'fit').map((i) => i.path)).toEqual(['z.zip/a/0.fit.gz', 'z.zip/a/1.fit.gz']);
    expect(items.at(-1)).toMatchObject({ type: 'over-limit', limit: 'bytes' });
  });
});
