// The no-adapter diagnosis on described machines: an NVIDIA GPU whose Vulkan stack lacks a piece
// is told which piece (never to install a software adapter); a machine with no NVIDIA sign gets
// the software advice. The last test runs the CLI with Vulkan pointed at no driver.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, posix } from 'node:path';
import { type HostView, noAdapterMessage, nvidiaDiagnosis, realHost } from '../src/gpu/diagnose.js';
import { buildCli } from './helpers/cli.js';

before(buildCli);

/** A machine made of the given files (path → text); directories are implied by the paths. */
function host(files: Record<string, string>, env: Record<string, string> = {}): HostView {
  const paths = Object.keys(files);
  return {
    exists: (p) => p in files || paths.some((f) => f.startsWith(`${p}/`)),
    list: (dir) => [...new Set(paths.filter((f) => posix.dirname(f) === dir).map((f) => posix.basename(f)))],
    read: (p) => files[p],
    env: { PATH: '/usr/bin:/bin', ...env },
  };
}

const DRIVER = {
  '/dev/nvidia0': '',
  '/dev/nvidiactl': '',
  '/proc/driver/nvidia/version': 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n',
};
const LOADER = { '/usr/lib/x86_64-linux-gnu/libvulkan.so.1': '' };
const ICD = { '/usr/share/vulkan/icd.d/nvidia_icd.json': JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: 'libGLX_nvidia.so.0', api_version: '1.3.277' } }) };
const NVIDIA_LIB = { '/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0': '' };
const CONTAINER = { '/.dockerenv': '' };

test('an NVIDIA container without the graphics capability is told about the ICD file and the capability', () => {
  const msg = nvidiaDiagnosis(host({ ...DRIVER, ...LOADER, ...CONTAINER }, { NVIDIA_DRIVER_CAPABILITIES: 'compute,utility' }));
  assert.ok(msg);
  assert.match(msg, /\/dev\/nvidia0, \/proc\/driver\/nvidia\/version/, 'names the evidence');
  assert.match(msg, /Missing: the NVIDIA Vulkan ICD file \(nvidia_icd\.json in \/etc\/vulkan\/icd\.d, /);
  assert.match(msg, /NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics \(now compute,utility\)/);
  assert.doesNotMatch(msg, /lavapipe|npm run setup/);
  assert.equal(noAdapterMessage(host({ ...DRIVER, ...LOADER, ...CONTAINER })), nvidiaDiagnosis(host({ ...DRIVER, ...LOADER, ...CONTAINER })));
  assert.match(nvidiaDiagnosis(host({ ...DRIVER, ...LOADER, ...CONTAINER }))!, /\(unset, which means compute,utility\)/);
});

test('an ICD file whose driver library is missing names the library and the ICD that wants it', () => {
  const msg = nvidiaDiagnosis(host({ ...DRIVER, ...LOADER, ...ICD }, { NVIDIA_VISIBLE_DEVICES: 'all', NVIDIA_DRIVER_CAPABILITIES: 'compute' }));
  assert.ok(msg);
  assert.match(msg, /Missing: the NVIDIA driver library libGLX_nvidia\.so\.0 that \/usr\/share\/vulkan\/icd\.d\/nvidia_icd\.json names/);
  assert.match(msg, /graphics driver capability.*\(now compute\)/, 'NVIDIA_VISIBLE_DEVICES marks a toolkit container');
  assert.doesNotMatch(msg, /lavapipe/);
});

test('the library is looked for where the ICD says, in LD_LIBRARY_PATH too', () => {
  const custom = { '/etc/vulkan/icd.d/nvidia_icd.x86_64.json': JSON.stringify({ ICD: { library_path: '/opt/nv/libnv_vk.so' } }) };
  assert.match(nvidiaDiagnosis(host({ ...DRIVER, ...LOADER, ...custom }))!, /library \/opt\/nv\/libnv_vk\.so that \/etc\/vulkan\/icd\.d\/nvidia_icd\.x86_64\.json names/);
  const found = nvidiaDiagnosis(host({ ...DRIVER, ...LOADER, ...ICD, '/opt/nv/lib/libGLX_nvidia.so.0': '' }, { LD_LIBRARY_PATH: '/opt/nv/lib' }));
  assert.match(found!, /are all present/);
});

test('on a host (no container) the advice is the driver\'s Vulkan package for the kernel module\'s version', () => {
  const msg = nvidiaDiagnosis(host({ ...DRIVER, ...LOADER }))!;
  assert.match(msg, /Install the NVIDIA driver's Vulkan\/GL user-space part for driver 550\.54\.15 /);
  assert.match(msg, /nvidia-vulkan-icd/);
});

test('a missing Vulkan loader is named before anything else', () => {
  const msg = nvidiaDiagnosis(host({ ...DRIVER, ...ICD, ...NVIDIA_LIB }))!;
  assert.match(msg, /Missing: the Vulkan loader libvulkan\.so\.1 \(Debian\/Ubuntu: apt-get install libvulkan1\)/);
});

test('with every piece present it points at permissions, version skew and vulkaninfo', () => {
  const msg = nvidiaDiagnosis(host({ ...DRIVER, ...LOADER, ...ICD, ...NVIDIA_LIB }))!;
  assert.match(msg, /libGLX_nvidia\.so\.0 are all present: check that this user can open \/dev\/nvidia\*/);
  assert.match(msg, /match the kernel module 550\.54\.15,/);
  assert.match(msg, /vulkaninfo --summary/);
});

test('nvidia-smi on PATH alone is enough evidence; an ICD override is where the ICD is looked for', () => {
  const smi = host({ '/opt/bin/nvidia-smi': '', ...LOADER, ...ICD }, { PATH: '/opt/bin', VK_ICD_FILENAMES: '/tmp/other.json' });
  const msg = nvidiaDiagnosis(smi)!;
  assert.match(msg, /GPU is here \(\/opt\/bin\/nvidia-smi\)/);
  assert.match(msg, /nvidia_icd\.json in \/tmp\/other\.json\)/, 'an override hides the standard directories');
});

test('without any NVIDIA sign the advice is a Vulkan driver or lavapipe', () => {
  const plain = host({ ...LOADER, '/dev/dri/renderD128': '', '/dev/nvidia-foo': '' });
  assert.equal(nvidiaDiagnosis(plain), null);
  assert.match(noAdapterMessage(plain), /^no WebGPU adapter found: install your GPU's Vulkan driver, or Mesa >= 24's lavapipe/);
});

test('the CLI gives that advice when Vulkan finds no driver', () => {
  const bin = fileURLToPath(new URL('../bin/gpuproof.js', import.meta.url));
  const env = { ...process.env, XDG_RUNTIME_DIR: '/tmp', VK_DRIVER_FILES: '/nonexistent/none.json', VK_ICD_FILENAMES: '/nonexistent/none.json' };
  const r = spawnSync(process.execPath, [bin, 'adapters'], { cwd: dirname(bin), encoding: 'utf8', env, timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stderr.includes(noAdapterMessage(realHost('/', env))), r.stderr);
});

test('the real host view reads files, directories and PATH under its root', () => {
  const root = mkdtempSync(join(tmpdir(), 'gpuproof-host-'));
  try {
    const files = { ...DRIVER, ...LOADER, ...CONTAINER, '/usr/local/bin/nvidia-smi': '' };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, posix.dirname(path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const view = realHost(root, { PATH: '/usr/local/bin', NVIDIA_DRIVER_CAPABILITIES: 'utility' });
    assert.deepEqual(view.list('/dev').sort(), ['nvidia0', 'nvidiactl']);
    assert.equal(view.list('/no/such/dir').length, 0);
    assert.equal(view.read('/no/such/file'), undefined);
    const msg = nvidiaDiagnosis(view)!;
    assert.match(msg, /\(\/dev\/nvidia0, \/proc\/driver\/nvidia\/version, \/usr\/local\/bin\/nvidia-smi\)/);
    assert.match(msg, /Missing: the NVIDIA Vulkan ICD file.*\n.*\(now utility\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('set-up\'s hint script stays silent and exits 1 where this machine shows no NVIDIA GPU', (t) => {
  if (nvidiaDiagnosis() !== null) {
    t.skip('this machine has an NVIDIA GPU');
    return;
  }
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/nvidia-hint.mjs', import.meta.url))], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout, '');
});
