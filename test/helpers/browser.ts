import { after, before } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (.ci/run installs it); playwright-core drives it and downloads nothing. */
export const CHROMIUM = '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface TestBrowser {
  /** A fresh browser profile (cookies of its own), at desktop size; closed with the browser. */
  context(): Promise<BrowserContext>;
  /** Saves a full-page screenshot at desktop and at phone width, as NAME-desktop.png and NAME-phone.png. */
  screenshot(page: Page, name: string): Promise<void>;
  /** Where the screenshots go: EVERAI_CONSOLE_SHOTS when set (kept), else a temp folder removed at the end. */
  shotsDir: string;
}

/**
 * One headless chromium for a test file, closed after it, with its child processes. Screenshots
 * are taken at both sizes so a reader can check the pages at 1280×800 and at phone width.
 */
export function useBrowser(): TestBrowser {
  let browser: Browser | undefined;
  const kept = process.env.EVERAI_CONSOLE_SHOTS;
  const shotsDir = kept ?? mkdtempSync(join(tmpdir(), 'everai-console-shots-'));
  mkdirSync(shotsDir, { recursive: true });
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    if (!kept) rmSync(shotsDir, { recursive: true, force: true });
  });
  return {
    shotsDir,
    context: async () => {
      if (!browser) throw new Error('the browser is used before its `before` hook started it');
      return browser.newContext({ viewport: DESKTOP });
    },
    screenshot: async (page, name) => {
      await page.screenshot({ path: join(shotsDir, `${name}-desktop.png`), fullPage: true });
      await page.setViewportSize(PHONE);
      await page.screenshot({ path: join(shotsDir, `${name}-phone.png`), fullPage: true });
      await page.setViewportSize(DESKTOP);
    },
  };
}
