#!/usr/bin/env python3
"""Recomputes fixtures/alu.json from docs/alu-proof.md alone (hashlib for SHA-256, ChaCha20 from
RFC 8439 section 2.3): an independent transcription of the round, the lane starts and the
commitment tree. Run: python3 scripts/alu_check.py [FIXTURE] (exit 0 when every vector matches)."""
import hashlib, json, struct, sys, pathlib

M = 0xFFFFFFFF
rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & M

def chacha_block(key, counter):
    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *struct.unpack('<8I', key), counter, 0, 0, 0]
    x = s[:]
    def q(a, b, c, d):
        x[a] = (x[a] + x[b]) & M; x[d] = rotl(x[d] ^ x[a], 16)
        x[c] = (x[c] + x[d]) & M; x[b] = rotl(x[b] ^ x[c], 12)
        x[a] = (x[a] + x[b]) & M; x[d] = rotl(x[d] ^ x[a], 8)
        x[c] = (x[c] + x[d]) & M; x[b] = rotl(x[b] ^ x[c], 7)
    for _ in range(10):
        q(0, 4, 8, 12); q(1, 5, 9, 13); q(2, 6, 10, 14); q(3, 7, 11, 15)
        q(0, 5, 10, 15); q(1, 6, 11, 12); q(2, 7, 8, 13); q(3, 4, 9, 14)
    return [(x[i] + s[i]) & M for i in range(16)]

def key(seed, stream):
    return hashlib.sha256(b'gpuproof/2/' + stream.encode() + b'\0' + seed).digest()

def rnd(st, k):
    a, b, c, d = st
    a = ((a + k) * ((2 * d + 1) & M)) & M    # (d + d) ^ 1 is 2d + 1: the low bit of d + d is 0
    b = rotl(b ^ a, 13)
    c = ((c ^ d) * ((2 * b + 1) & M)) & M
    d = rotl((d + c) & M, 7) ^ a
    return [a, b, c, d]

def chain(st, s, L):
    for t in range(L):
        st = rnd(st, (s + t) & M)
    return st

# The fixture file: argv[1] when given (the test feeds it a changed copy), else fixtures/alu.json.
fx_path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent / 'fixtures' / 'alu.json'
fx = json.loads(fx_path.read_text())
bad = 0
def check(name, got, want):
    global bad
    if got != want:
        bad += 1; print('MISMATCH', name, got, want)
for r in fx['rounds']:
    check(f"round {r}", rnd(r['state'], (r['s'] + r['t']) & M), r['out'])
for c in fx['chains']:
    check(f"chain {c['rounds']}", chain(c['state'], c['s'], c['rounds']), c['out'])
seed = bytes.fromhex(fx['seedHex'])
for name, hx in fx['streamKeys'].items():
    check(f"key {name}", key(seed, name).hex(), hx)
s = chacha_block(key(seed, 'alu.round'), 0)[0]
check('round constant', s, fx['roundConstant'])
lk = key(seed, 'alu.lane')
for l in fx['lanes']:
    i = l['lane']
    start = chacha_block(lk, i // 4)[4 * (i % 4): 4 * (i % 4) + 4]
    check(f"lane {i} start", start, l['start'])
    res = chain(start, s, fx['laneRounds'])
    check(f"lane {i} result", res, l['result'])
    check(f"lane {i} bytes", struct.pack('<4I', *res).hex(), l['resultHex'])
# The commitment (§5): RFC 6962 by its recursive definition (split at the largest power of two
# below n), written from the RFC rather than from the kit's level-by-level builder.
def leaf_h(d): return hashlib.sha256(b'\x00' + d).digest()
def node_h(a, b): return hashlib.sha256(b'\x01' + a + b).digest()
def split(n):
    k = 1
    while k * 2 < n: k *= 2
    return k
def mth(leaves):
    if len(leaves) == 1: return leaf_h(leaves[0])
    k = split(len(leaves))
    return node_h(mth(leaves[:k]), mth(leaves[k:]))
def audit(m, leaves):
    if len(leaves) == 1: return []
    k = split(len(leaves))
    if m < k: return audit(m, leaves[:k]) + [mth(leaves[k:])]
    return audit(m - k, leaves[k:]) + [mth(leaves[:k])]
cv = fx['commitment']
leaves = [struct.pack('<4I', *chain(chacha_block(lk, i // 4)[4 * (i % 4): 4 * (i % 4) + 4], s, cv['rounds'])) for i in range(cv['lanes'])]
check('commitment root', mth(leaves).hex(), cv['rootHex'])
for pth in cv['paths']:
    check(f"path of lane {pth['lane']}", [h.hex() for h in audit(pth['lane'], leaves)], pth['path'])
print('alu fixture:', 'OK' if bad == 0 else f'{bad} mismatches')
sys.exit(1 if bad else 0)
