// The links of the project's Markdown files and whether each one resolves inside the repository.
// No Markdown parser is among the dependencies, so this reads the part of CommonMark the docs
// use: fenced code blocks, inline code spans and HTML comments hide what they contain; links are
// inline `[text](target)` and `![alt](target)`, reference definitions `[label]: target`,
// autolinks `<scheme:…>` and HTML href/src attributes. Indented code blocks are not recognised
// (an indented line is read as text), which can only report a link too many, never miss one.
import { posix } from 'node:path';

export interface MarkdownLink {
  target: string;
  line: number;
}

export interface LinkProblem {
  file: string;
  line: number;
  target: string;
  problem: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The text with code blocks, code spans and comments blanked out, line breaks kept. */
export function proseOnly(text: string): string {
  const noComments = text.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, ' '));
  let fence: string | null = null;
  const lines = noComments.split('\n').map((line) => {
    const open = FENCE.exec(line)?.[1];
    if (fence === null) {
      if (open) {
        fence = open;
        return '';
      }
      return line.replace(/(`+)(?:(?!\1)[\s\S])+?\1(?!`)/g, (c) => ' '.repeat(c.length));
    }
    if (open && open[0] === fence[0] && open.length >= fence.length && line.trim() === open) fence = null;
    return '';
  });
  return lines.join('\n');
}

const INLINE = /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*(<[^>\n]*>|(?:[^\s()]|\([^\s()]*\))*)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?\s*\)/g;
const REFERENCE = /^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)/gm;
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/gi;
const HTML_ATTR = /\b(?:href|src)\s*=\s*"([^"\n]*)"/gi;

/** Every link target in a Markdown text, with its 1-based line. */
export function extractLinks(text: string): MarkdownLink[] {
  const prose = proseOnly(text);
  const lineOf = (index: number): number => prose.slice(0, index).split('\n').length;
  const links: MarkdownLink[] = [];
  for (const re of [INLINE, REFERENCE, AUTOLINK, HTML_ATTR]) {
    for (const m of prose.matchAll(re)) {
      const raw = m[1] ?? '';
      links.push({ target: raw.startsWith('<') && raw.endsWith('>') ? raw.slice(1, -1) : raw, line: lineOf(m.index) });
    }
  }
  return links.sort((a, b) => a.line - b.line);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '');
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** The anchors a Markdown text defines: its headings' slugs (repeats numbered) and HTML ids. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const lines = proseOnly(text).split('\n');
  lines.forEach((line, i) => {
    const atx = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)?.[1];
    const prev = lines[i - 1] ?? '';
    const setext = /^ {0,3}(=+|-+)[ \t]*$/.test(line) && prev.trim() !== '' && !/^ {0,3}#/.test(prev) ? prev : undefined;
    const heading = atx ?? setext;
    if (heading === undefined) return;
    const slug = githubSlug(heading);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  });
  for (const m of text.matchAll(/<a\s[^>]*\b(?:id|name)\s*=\s*"([^"]+)"/gi)) anchors.add(m[1] ?? '');
  return anchors;
}

/** Every folder that holds one of the files, the root included as ''. */
function foldersOf(files: Iterable<string>): Set<string> {
  const folders = new Set<string>(['']);
  for (const f of files) for (let d = posix.dirname(f); d !== '.'; d = posix.dirname(d)) folders.add(d);
  return folders;
}

/**
 * The problems of every link in the Markdown files among `files` (paths relative to the
 * repository root, '/'-separated): a relative target must name one of `files` or a folder holding
 * one, without leaving the root; an anchor into a Markdown file must be one of its headings; an
 * absolute target must be an http(s) URL.
 */
export function checkLinks(files: readonly string[], read: (path: string) => string): LinkProblem[] {
  const known = new Set(files);
  const folders = foldersOf(files);
  const anchors = new Map<string, Set<string>>();
  const anchorsIn = (path: string): Set<string> => {
    if (!anchors.has(path)) anchors.set(path, anchorsOf(read(path)));
    return anchors.get(path) ?? new Set();
  };
  const problems: LinkProblem[] = [];
  for (const file of files.filter((f) => f.toLowerCase().endsWith('.md'))) {
    for (const { target, line } of extractLinks(read(file))) {
      const problem = linkProblem(file, target, known, folders, anchorsIn);
      if (problem) problems.push({ file, line, target, problem });
    }
  }
  return problems;
}

function linkProblem(file: string, target: string, known: Set<string>, folders: Set<string>, anchorsIn: (path: string) => Set<string>): string | undefined {
  if (target === '') return 'empty link target';
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return /^https?:\/\/[^/\s]/i.test(target) ? undefined : 'absolute link that is not an http(s) URL';
  if (target.startsWith('/')) return 'absolute path: links must be relative to the file';
  const hash = target.indexOf('#');
  const pathPart = (hash < 0 ? target : target.slice(0, hash)).split('?')[0] ?? '';
  const anchor = hash < 0 ? undefined : target.slice(hash + 1);
  const decoded = percentDecoded(pathPart);
  if (decoded === undefined) return 'target is not valid percent-encoding';
  const resolved = decoded === '' ? file : posix.normalize(posix.join(posix.dirname(file), decoded)).replace(/\/$/, '');
  if (resolved === '..' || resolved.startsWith('../')) return 'target leaves the repository';
  const path = resolved === '.' ? '' : resolved;
  if (!known.has(path) && !folders.has(path)) return `no such file or folder in the repository: ${path}`;
  if (anchor === undefined || !known.has(path) || !path.toLowerCase().endsWith('.md')) return undefined;
  return anchorsIn(path).has(percentDecoded(anchor) ?? anchor) ? undefined : `no heading in ${path} has the anchor #${anchor}`;
}

function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
