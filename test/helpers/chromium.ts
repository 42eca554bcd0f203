// Debian's headless Chromium for the page tests: a fresh profile per run, no network services, the DOM after load
// (--dump-dom) or a screenshot; plus the visible text of a dumped DOM (no <head>, <style> or <script>, entities decoded).
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--hide-scrollbars'];

async function chromium(workDir: string, args: string[]): Promise<string> {
  const profile = await fs.mkdtemp(path.join(workDir, 'chromium-profile-'));
  try {
    const { stdout } = await run('chromium', [...FLAGS, `--user-data-dir=${profile}`, ...args], { timeout: 60000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } finally {
    await fs.rm(profile, { recursive: true, force: true });
  }
}

/** The document as Chromium has it after loading `url` (scripts, if any were allowed, have run). */
export function dumpDom(workDir: string, url: string): Promise<string> {
  return chromium(workDir, ['--dump-dom', url]);
}

/** Saves a PNG screenshot of `url` at the given window size. */
export async function screenshot(workDir: string, url: string, file: string, size = '1100,900'): Promise<void> {
  await chromium(workDir, [`--screenshot=${file}`, `--window-size=${size}`, url]);
  await fs.access(file);
}

/** The text a reader sees in a dumped DOM: body only, without style/script content, tags as spaces, entities decoded. */
export function visibleText(dom: string): string {
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(dom)?.[1] ?? dom;
  return body.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ').trim();
}
