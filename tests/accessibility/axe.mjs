// Runs axe-core on local HTML files in headless Chromium and prints one JSON object:
// {file: [violations]}. Used by tests/test_accessibility.py:
//   node axe.mjs /usr/bin/chromium report.html [more.html ...]
// WCAG 2.1 A and AA rules only (the level public bodies must meet), plus best practices
// that concern structure (landmarks, one h1, heading order).
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axeSource = require("axe-core").source;
const [browserPath, ...files] = process.argv.slice(2);
if (!browserPath || files.length === 0) {
  console.error("usage: node axe.mjs CHROMIUM FILE.html [...]");
  process.exit(2);
}
const browser = await puppeteer.launch({
  executablePath: browserPath,
  headless: true,
  // Root in a container has no user namespaces for Chromium's sandbox; the pages are our own.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const results = {};
try {
  for (const file of files) {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    await page.addScriptTag({ content: axeSource });
    results[file] = await page.evaluate(async () => {
      const outcome = await window.axe.run(document, {
        runOnly: {
          type: "tag",
          values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
        },
      });
      return outcome.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, summary: n.failureSummary })),
      }));
    });
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));
