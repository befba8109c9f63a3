// The HTML report: failures before figures, figures as a linear % of floor, sizes, timings and the
// kit's version; "unsigned" for a selftest, the signed receipt embedded for attest; all escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportHtml, BAR_CAP_PCT } from '../src/cli/report-html.js';
import { viewOfAttest, viewOfSelftest } from '../src/cli/verdict-view.js';
import { KIT_VERSION } from '../src/version.js';
import { generateKeyPair } from '../src/protocol/keys.js';
import { verifySignature } from '../src/protocol/signing.js';
import { toB64 } from '../src/util/bytes.js';
import { attestedCard, selftestResult, viewWithFloor } from './helpers/selftest-results.js';

const BROKEN = { name: 'memory.blocks', pass: false, reason: 'block 3 does not match its root' };
const WHEN = new Date('2026-12-01T12:00:00Z');

/** The width of the one bar in a single-floor chart. */
const barWidth = (html: string): number => Number(/<rect [^>]*width="([\d.]+)"/.exec(html)?.[1]);

test('a rejected selftest lists its failure before the figures, and every passing check after', () => {
  const html = reportHtml(viewOfSelftest(selftestResult({ extra: [BROKEN] })), WHEN);
  const failure = html.indexOf('block 3 does not match its root');
  assert.ok(failure > 0 && failure < html.indexOf('<svg'), 'failure before the chart');
  assert.ok(failure < html.indexOf('fixture.pass-0'));
  assert.match(html, /REJECTED/);
  assert.match(html, /Passing checks \(34 of 35\)/);
});

test('2.8 GFLOPS against a 16520 floor is about 0.02 % on a linear scale: a sliver, not a bar', () => {
  const html = reportHtml(viewWithFloor(2.8, 16520), WHEN);
  assert.match(html, />0\.02 % of floor</);
  assert.ok(barWidth(html) < 0.1, `bar width ${barWidth(html)}`);
  // Linear: a figure at the floor draws half of a capped bar, one at 3× the floor is capped and says so.
  const at = reportHtml(viewWithFloor(16520, 16520), WHEN);
  assert.match(at, />100 % of floor</);
  const capped = reportHtml(viewWithFloor(3 * 16520, 16520), WHEN);
  assert.equal(barWidth(capped), 2 * barWidth(at));
  assert.match(capped, new RegExp(`>300 % of floor \\(bar capped\\)<`));
  assert.equal(BAR_CAP_PCT, 200);
});

test('a selftest report has sizes, timings, the kit version and says it is unsigned', () => {
  const html = reportHtml(viewOfSelftest(selftestResult()), WHEN);
  assert.match(html, /Unsigned self-test output/);
  assert.doesNotMatch(html, /Signed receipt/);
  assert.ok(html.includes(`<th>kit version</th><td>${KIT_VERSION}</td>`));
  assert.match(html, /n = 256, K = 4, 32 rows opened/);
  assert.match(html, /16 MiB in 2 chunks, P = 4, 64 blocks opened/);
  assert.match(html, /<th>total<\/th><td>95\.0 ms<\/td>/);
  assert.match(html, /2026-12-01T12:00:00\.000Z/);
});

test('an attest report embeds the signed receipt, names its signer, and is not called unsigned', () => {
  const validator = generateKeyPair();
  const card = attestedCard(validator, { checks: [BROKEN] });
  const html = reportHtml(viewOfAttest(card, 'h100-sxm', 'http://10.0.0.5:8420', 1.5), WHEN);
  assert.doesNotMatch(html, /Unsigned/);
  assert.ok(html.includes(`signed by validator <code>${toB64(validator.publicKey)}</code>`));
  const pre = /<pre class="receipt">([\s\S]*?)<\/pre>/.exec(html)?.[1] ?? '';
  const unescaped = pre.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
  const receipt: unknown = JSON.parse(unescaped);
  assert.deepEqual(receipt, card.receipt);
  assert.equal(verifySignature(receipt), true, 'the embedded receipt still verifies');
  assert.ok(html.indexOf('block 3 does not match its root') < html.indexOf('<svg'));
  assert.match(html, /floor <code>h100-sxm<\/code> matmul\.f32_gflops: 2\.80 of/);
});

test('adapter strings are escaped: no markup from the adapter reaches the page', () => {
  const html = reportHtml(viewOfSelftest(selftestResult()), WHEN);
  assert.ok(html.includes('NVIDIA H100 80GB HBM3 &#60;b&#62;&#38;&#34;x&#39;&#60;/b&#62;'), 'escaped adapter description');
  assert.doesNotMatch(html, /<b>/);
  assert.doesNotMatch(html, /<script|(?:src|href)=["']?https?:/, 'no scripts, no external resources');
});
