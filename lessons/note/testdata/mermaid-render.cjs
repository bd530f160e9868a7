// Renders many Mermaid blocks in one page of one browser, with the Mermaid
// that mmdc itself loads (resolved from mmdc's own folder), so that a test
// pays the browser's start and Mermaid's load once, not once per block as
// mmdc's Markdown mode does (a fresh page and a fresh Mermaid per block).
//
// usage: node mermaid-render.cjs CLI_JS PUPPETEER_JSON BLOCKS_JSON OUT_DIR
//   CLI_JS          mmdc's cli.js (the real path behind node_modules/.bin/mmdc)
//   PUPPETEER_JSON  the launch options mmdc is given with -p
//   BLOCKS_JSON     a JSON array of block texts
// writes OUT_DIR/out-N.svg for block N (from 1); a block Mermaid rejects
// is named on stderr ("block N: why") and the exit status is then 1.
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const [cli, cfgPath, inPath, outDir] = process.argv.slice(2);
const req = createRequire(cli); // resolve as mmdc does, from its own folder
const puppeteer = req('puppeteer');
const mermaidJS = path.join(path.dirname(req.resolve('mermaid')), 'mermaid.min.js');
const html = path.join(path.dirname(cli), '..', 'dist', 'index.html'); // mmdc's page

(async () => {
  const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
  const blocks = JSON.parse(fs.readFileSync(inPath, 'utf8'));
  const browser = await puppeteer.launch({ headless: 'shell', ...cfg });
  let failed = 0;
  try {
    const page = await browser.newPage();
    await page.goto('file://' + html);
    await page.addScriptTag({ path: mermaidJS });
    await page.evaluate(() => mermaid.initialize({ startOnLoad: false }));
    for (let i = 0; i < blocks.length; i++) {
      try {
        // As mmdc renders: mermaid.render into #container, the same svg id.
        const svg = await page.evaluate(async (def) => {
          const c = document.getElementById('container');
          const { svg } = await mermaid.render('my-svg', def, c);
          c.innerHTML = '';
          return svg;
        }, blocks[i]);
        fs.writeFileSync(path.join(outDir, `out-${i + 1}.svg`), svg);
      } catch (e) {
        console.error(`block ${i + 1}: ${e.message}`);
        failed++;
      }
    }
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
