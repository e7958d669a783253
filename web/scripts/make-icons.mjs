// Renders public/icons/icon.svg into the PNG icons of the manifest with the system Chromium.
// Run by hand after changing the SVG: node scripts/make-icons.mjs
import { readFile } from 'node:fs/promises'
import { chromium } from 'playwright-core'

const svg = await readFile(new URL('../public/icons/icon.svg', import.meta.url), 'utf8')
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] })
const page = await browser.newPage()
const outputs = [
  { file: 'icon-192.png', size: 192, inset: 0, background: 'transparent' },
  { file: 'icon-512.png', size: 512, inset: 0, background: 'transparent' },
  // maskable icons must keep their content inside the central 80% safe zone
  { file: 'icon-maskable-512.png', size: 512, inset: 0.12, background: '#0b3a5b' },
]
for (const { file, size, inset, background } of outputs) {
  await page.setViewportSize({ width: size, height: size })
  const pad = Math.round(size * inset)
  await page.setContent(
    `<html><body style="margin:0;background:${background}"><div style="padding:${pad}px;width:${size}px;height:${size}px;box-sizing:border-box">${svg.replace('<svg ', '<svg width="100%" height="100%" ')}</div></body></html>`,
  )
  await page.screenshot({ path: new URL(`../public/icons/${file}`, import.meta.url).pathname, omitBackground: background === 'transparent' })
  console.log('wrote', file)
}
await browser.close()
