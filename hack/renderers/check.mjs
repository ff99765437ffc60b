// Parses every Mermaid file named on the command line with Mermaid's own parser, as GitHub and
// GitLab would before drawing it, within Mermaid's default limits (maxTextSize 50,000 characters,
// maxEdges 500). Prints "ok FILE" or "error FILE: message" per file, and exits 1 when any failed.
// Mermaid's sanitizer (DOMPurify) needs a DOM: jsdom provides one.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

const maxTextSize = 50000;
let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    if (text.length > maxTextSize) {
      throw new Error(`${text.length} characters, more than Mermaid's maxTextSize of ${maxTextSize}`);
    }
    const result = await mermaid.parse(text);
    if (!result || result.diagramType !== 'flowchart-v2') {
      throw new Error(`parsed as ${result && result.diagramType}, not a flowchart`);
    }
    console.log(`ok ${file}`);
  } catch (e) {
    failed++;
    console.log(`error ${file}: ${String(e.message || e).split('\n').slice(0, 4).join(' | ')}`);
  }
}
process.exit(failed ? 1 : 0);
