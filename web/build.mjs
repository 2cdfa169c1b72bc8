// Builds the vendored front-end assets into ../api/static (see README.md).
//   api/static/graphiql/  GraphiQL IDE (React + GraphiQL + graphql-ws), LICENSES.txt
//   api/static/ledger/    live ledger page (vanilla JS modules + bundled graphql-ws client and uPlot)
// Deterministic: same package-lock.json + same sources => same output bytes.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = path.dirname(fileURLToPath(import.meta.url));
// `node build.mjs --out DIR` builds into DIR instead (CI compares that with api/static).
const outFlag = process.argv.indexOf('--out');
const OUT = outFlag >= 0 && process.argv[outFlag + 1]
  ? path.resolve(process.argv[outFlag + 1])
  : path.resolve(WEB, '..', 'api', 'static');
const SRC = path.join(WEB, 'src');

const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  platform: 'browser',
  legalComments: 'none', // full license texts go to LICENSES.txt instead
  define: { 'process.env.NODE_ENV': '"production"' },
  // The browser build of graphql-ws is the client only (its default ESM
  // entry also carries the server implementation).
  alias: { 'graphql-ws': 'graphql-ws/client' },
  metafile: true,
  logLevel: 'warning',
};

function clean(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

// --- license collection -----------------------------------------------------
// Map every bundled input file to the npm package that owns it and emit that
// package's license file(s) verbatim.
function packagesFromMetafile(metafile) {
  const pkgs = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const abs = path.resolve(WEB, input);
    const idx = abs.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    if (idx < 0) continue; // our own source
    const rest = abs.slice(idx + '/node_modules/'.length).split(path.sep);
    const nameParts = rest[0].startsWith('@') ? rest.slice(0, 2) : rest.slice(0, 1);
    const dir = path.join(abs.slice(0, idx), 'node_modules', ...nameParts);
    if (!pkgs.has(dir)) pkgs.set(dir, true);
  }
  return [...pkgs.keys()];
}

function repoKey(repo) {
  const url = typeof repo === 'string' ? repo : repo && repo.url;
  if (!url) return '';
  return url.replace(/^git\+/, '').replace(/^(https?|git|ssh):\/\/(git@)?/, '').replace(/\.git$/, '').replace(/\/$/, '').toLowerCase();
}

const MIT = (holder) => `MIT License

Copyright (c) ${holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`;

function licenseText(pkgDirs) {
  const entries = pkgDirs.map((dir) => {
    const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const files = fs
      .readdirSync(dir)
      .filter((f) => /^(licen[cs]e|copying|notice)/i.test(f))
      .sort();
    let license = pj.license || (pj.licenses || []).map((l) => l.type || l).join(' OR ') || 'UNKNOWN';
    if (typeof license === 'object') license = license.type;
    const text = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8').trim()).join('\n\n');
    const author = typeof pj.author === 'string' ? pj.author : pj.author && pj.author.name;
    return { name: pj.name, version: pj.version, license, author, repo: repoKey(pj.repository), homepage: pj.homepage || '', text };
  });
  // Packages that ship no license file: use the license file of a package from
  // the same source repository (monorepos), else the standard MIT text.
  for (const e of entries) {
    if (e.text) continue;
    const sibling = entries.find((o) => o.text && o.repo && o.repo === e.repo);
    if (sibling) {
      e.text = `(no license file in the npm package; this is the license of the same repository, ${e.repo}, as shipped in ${sibling.name}@${sibling.version})\n\n${sibling.text}`;
    } else if (e.license === 'MIT') {
      e.text = `(no license file in the npm package; package.json declares MIT${e.author ? `, author ${e.author}` : ''}; standard MIT text follows)\n\n${MIT(e.author || `the ${e.name} authors`)}`;
    } else {
      e.text = `(no license file in the npm package; package.json declares: ${e.license})`;
    }
  }
  // dedupe identical name@version (possible with nested copies) and sort
  const seen = new Map();
  for (const e of entries) seen.set(`${e.name}@${e.version}`, e);
  const sorted = [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sep = '='.repeat(78);
  let out =
    'Third-party software bundled in this directory.\n' +
    'Generated by web/build.mjs from the npm packages in web/node_modules.\n\n' +
    'Summary:\n' +
    sorted.map((e) => `  ${e.name}@${e.version}  (${e.license})`).join('\n') +
    '\n';
  for (const e of sorted) {
    out += `\n${sep}\n${e.name}@${e.version}  —  ${e.license}${e.homepage ? `\n${e.homepage}` : ''}\n${sep}\n\n${e.text}\n`;
  }
  return { text: out, list: sorted };
}

// --- GraphiQL ----------------------------------------------------------------
async function buildGraphiQL() {
  const dir = path.join(OUT, 'graphiql');
  clean(dir);
  const result = await esbuild.build({
    ...common,
    entryPoints: { graphiql: path.join(SRC, 'graphiql', 'main.jsx') },
    outdir: dir,
    format: 'iife',
    jsx: 'automatic',
    loader: { '.woff2': 'dataurl', '.woff': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl' },
  });
  fs.copyFileSync(path.join(SRC, 'graphiql', 'index.html'), path.join(dir, 'index.html'));
  const lic = licenseText(packagesFromMetafile(result.metafile));
  fs.writeFileSync(path.join(dir, 'LICENSES.txt'), lic.text);
  return lic.list;
}

// --- Live ledger ---------------------------------------------------------------
async function buildLedger() {
  const dir = path.join(OUT, 'ledger');
  clean(dir);
  const result = await esbuild.build({
    ...common,
    // npm packages, bundled as ES modules the page imports by relative path:
    // graphql-ws.js (the WebSocket client) and uplot.js + uplot.css (the chart).
    entryPoints: {
      'graphql-ws': path.join(SRC, 'ledger', 'graphql-ws-entry.js'),
      uplot: path.join(SRC, 'ledger', 'uplot-entry.js'),
    },
    outdir: dir,
    format: 'esm',
  });
  // The page's own modules and styles are copied as written (readable in the browser).
  const own = fs.readdirSync(path.join(SRC, 'ledger')).filter((f) => /\.(html|js|css)$/.test(f) && !f.endsWith('-entry.js'));
  for (const f of own.sort()) {
    fs.copyFileSync(path.join(SRC, 'ledger', f), path.join(dir, f));
  }
  const lic = licenseText(packagesFromMetafile(result.metafile));
  fs.writeFileSync(path.join(dir, 'LICENSES.txt'), lic.text);
  return lic.list;
}

const g = await buildGraphiQL();
const l = await buildLedger();

// Guard: no absolute http(s) asset reference may sneak into the HTML/CSS.
for (const sub of ['graphiql', 'ledger']) {
  for (const f of fs.readdirSync(path.join(OUT, sub))) {
    if (!/\.(html|css)$/.test(f)) continue;
    const body = fs.readFileSync(path.join(OUT, sub, f), 'utf8');
    const bad = body.match(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\/|url\(\s*["']?(?:https?:)?\/\/|@import\s+["']?(?:url\()?\s*["']?(?:https?:)?\/\//i);
    if (bad) throw new Error(`${sub}/${f}: external reference found: ${bad[0]}`);
  }
}

function report(sub) {
  const d = path.join(OUT, sub);
  for (const f of fs.readdirSync(d).sort()) {
    const n = fs.statSync(path.join(d, f)).size;
    console.log(`  ${sub}/${f}`.padEnd(36) + `${(n / 1024).toFixed(1).padStart(9)} KiB`);
  }
}
console.log(`${path.relative(process.cwd(), OUT) || OUT} built (graphiql: ${g.length} packages, ledger: ${l.length} packages):`);
report('graphiql');
report('ledger');
