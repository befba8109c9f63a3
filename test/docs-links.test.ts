// The project's docs stand on their own: every relative link in its Markdown resolves to a file or
// folder inside the repository (and an anchor to a heading there), absolute links are http(s)
// URLs only, and no file points into the folder beside the checkout that held the original notes.
// The checker (test/helpers/markdown-links.ts) is exercised on small texts first, so a checker
// that stopped seeing links or anchors fails here rather than passing every doc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { REPO_ROOT } from './helpers/cli.js';
import { anchorsOf, checkLinks, extractLinks, githubSlug } from './helpers/markdown-links.js';

/** The one path no project file may name: the folder beside the checkout. */
const OUTSIDE = ['..', 'shared'].join('/');
const SKIP_WALK = new Set(['.git', 'node_modules', 'dist']);

/**
 * Tracked files and untracked ones git does not ignore (a new doc counts before its commit), plain
 * files only (the worktree's node_modules link is neither); outside git (an unpacked tarball),
 * every file but the skipped folders.
 */
function repoFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\0').filter((f) => f !== '' && existsSync(join(REPO_ROOT, f)) && lstatSync(join(REPO_ROOT, f)).isFile());
  } catch {
    const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (SKIP_WALK.has(name)) return [];
      return statSync(path).isDirectory() ? walk(path) : [relative(REPO_ROOT, path).split(sep).join('/')];
    });
    return walk(REPO_ROOT);
  }
}

const inMemory = (files: Record<string, string>) => (path: string): string => files[path] ?? '';
const problemsOf = (files: Record<string, string>) => checkLinks(Object.keys(files), inMemory(files)).map((p) => `${p.file}:${p.line} ${p.target}`);

test('links are found inline, as references, autolinks and HTML, and not inside code', () => {
  const text = [
    'See [a](docs/a.md) and ![img](pic.png "title").', // line 1
    '`[not](code.md)` and ``[nor](this.md)``', // line 2
    '```md',
    '[fenced](nope.md)',
    '```',
    '<!-- [commented](gone.md) -->',
    '[ref]: <docs/b c.md>', // line 7
    'Mail <https://example.org/x> and <a href="docs/c.md">c</a>.', // line 8
  ].join('\n');
  assert.deepEqual(extractLinks(text), [
    { target: 'docs/a.md', line: 1 },
    { target: 'pic.png', line: 1 },
    { target: 'docs/b c.md', line: 7 },
    { target: 'https://example.org/x', line: 8 },
    { target: 'docs/c.md', line: 8 },
  ]);
});

test('GitHub slugs: lower case, punctuation dropped, repeats numbered', () => {
  assert.equal(githubSlug('5. What gpuproof does *not* prove'), '5-what-gpuproof-does-not-prove');
  assert.equal(githubSlug('`selftest --json`: the [envelope](x.md) — v2'), 'selftest---json-the-envelope--v2');
  assert.deepEqual([...anchorsOf('# Top\n## Same\ntext\n## Same\nSetext\n---\n```\n# not a heading\n```\n<a id="here"></a>')], ['top', 'same', 'same-1', 'setext', 'here']);
});

test('a broken, escaping, absolute or non-web link is reported with its file and line', () => {
  const files = {
    'README.md': '[ok](docs/a.md) [folder](docs/) [web](https://example.org)\n[broken](docs/missing.md)\n[out](../other/x.md)',
    'docs/a.md': '# A\n[up](../README.md#top) [self](#a) [no anchor](#nowhere)\n[abs](/etc/passwd) [file](file:///etc/passwd) [mail](mailto:x@example.org)\n[deep](../../x.md)',
  };
  assert.deepEqual(problemsOf(files), [
    'README.md:2 docs/missing.md',
    'README.md:3 ../other/x.md',
    'docs/a.md:2 ../README.md#top',
    'docs/a.md:2 #nowhere',
    'docs/a.md:3 /etc/passwd',
    'docs/a.md:3 file:///etc/passwd',
    'docs/a.md:3 mailto:x@example.org',
    'docs/a.md:4 ../../x.md',
  ]);
  assert.deepEqual(problemsOf({ 'README.md': '# Top\n[x](README.md#top) [y](docs/a.md)', 'docs/a.md': '' }), []);
});

test('every link in the repository\'s Markdown resolves inside it', () => {
  const files = repoFiles();
  const markdown = files.filter((f) => f.endsWith('.md'));
  assert.ok(markdown.includes('README.md') && markdown.includes('docs/design.md'), `found ${markdown.join(', ')}`);
  const links = markdown.flatMap((f) => extractLinks(readFileSync(join(REPO_ROOT, f), 'utf8')));
  assert.ok(links.length > 20, `only ${links.length} links found`);
  const problems = checkLinks(files, (p) => readFileSync(join(REPO_ROOT, p), 'utf8'));
  assert.deepEqual(problems.map((p) => `${p.file}:${p.line} ${p.target}: ${p.problem}`), []);
});

test('no file of the repository names the folder beside the checkout', () => {
  const needle = Buffer.from(OUTSIDE);
  const naming = repoFiles().filter((f) => readFileSync(join(REPO_ROOT, f)).includes(needle));
  assert.deepEqual(naming, []);
});
