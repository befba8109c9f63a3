// Why no WebGPU adapter loaded. On a machine with an NVIDIA GPU the fix is never a software
// adapter (that would benchmark the CPU): it is the piece of the NVIDIA Vulkan stack that is
// missing, which in a container is almost always the `graphics` driver capability. The host is
// read through HostView so tests can describe any machine.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface HostView {
  exists(path: string): boolean;
  /** Entry names of a directory; [] when it is missing or unreadable. */
  list(dir: string): string[];
  /** A file's text; undefined when it is missing or unreadable. */
  read(path: string): string | undefined;
  env: Readonly<Record<string, string | undefined>>;
}

/** This machine's files, seen under root (another root: a mounted image, a test's tree). */
export const realHost = (root = '/', env: HostView['env'] = process.env): HostView => {
  const at = (path: string): string => join(root, path);
  return {
    exists: (path) => existsSync(at(path)),
    list: (dir) => attempt(() => readdirSync(at(dir)), []),
    read: (path) => attempt(() => readFileSync(at(path), 'utf8'), undefined),
    env,
  };
};

function attempt<T, F>(fn: () => T, fallback: F): T | F {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

const DRIVER_VERSION_FILE = '/proc/driver/nvidia/version';
const LOADER = 'libvulkan.so.1';
const DEFAULT_NVIDIA_LIBRARY = 'libGLX_nvidia.so.0';
const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];
// Where Debian, Ubuntu, RHEL and the NVIDIA container toolkit put the driver's libraries.
const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/nvidia/lib64', '/usr/local/nvidia/lib'];

const SOFTWARE_ADVICE = 'no WebGPU adapter found: install your GPU\'s Vulkan driver, or Mesa >= 24\'s lavapipe for a software adapter (from a checkout, `npm run setup` installs it)';

/** The message for "no adapter": what the NVIDIA stack lacks where there is one, else the software advice. */
export function noAdapterMessage(host: HostView = realHost()): string {
  return nvidiaDiagnosis(host) ?? SOFTWARE_ADVICE;
}

/** What stops Vulkan from loading the NVIDIA driver, or null when there is no sign of an NVIDIA GPU. */
export function nvidiaDiagnosis(host: HostView = realHost()): string | null {
  const evidence = nvidiaEvidence(host);
  if (evidence.length === 0) return null;
  const head = `no WebGPU adapter found, although an NVIDIA GPU is here (${evidence.join(', ')}); a software adapter would only measure the CPU.`;
  const container = inContainer(host);
  const loader = findLibrary(host, LOADER);
  if (!loader) return `${head}\nMissing: the Vulkan loader ${LOADER} (Debian/Ubuntu: apt-get install libvulkan1).`;
  const icd = findNvidiaIcd(host);
  if (!icd) {
    return `${head}\nMissing: the NVIDIA Vulkan ICD file (nvidia_icd.json in ${icdDirs(host).join(', ')}), so Vulkan does not know the driver.\n${fixHint(host, container)}`;
  }
  const library = icdLibrary(host, icd);
  if (!findLibrary(host, library)) {
    return `${head}\nMissing: the NVIDIA driver library ${library} that ${icd} names (searched ${libDirs(host).join(', ')}).\n${fixHint(host, container)}`;
  }
  return `${head}\nThe Vulkan loader, ${icd} and ${library} are all present: check that this user can open /dev/nvidia* (groups video, render), that the driver's libraries match the kernel module${versionNote(host, ' ')}, and what \`vulkaninfo --summary\` (package vulkan-tools) says.`;
}

function nvidiaEvidence(host: HostView): string[] {
  const found: string[] = [];
  const node = host.list('/dev').filter((n) => /^nvidia\d+$/.test(n)).sort()[0];
  if (node) found.push(`/dev/${node}`);
  if (host.exists(DRIVER_VERSION_FILE)) found.push(DRIVER_VERSION_FILE);
  const smi = pathDirs(host).map((d) => join(d, 'nvidia-smi')).find((p) => host.exists(p));
  if (smi) found.push(smi);
  return found;
}

function fixHint(host: HostView, container: boolean): string {
  const caps = host.env.NVIDIA_DRIVER_CAPABILITIES;
  if (container) {
    const now = caps === undefined ? 'unset, which means compute,utility' : `now ${caps}`;
    return `In a container the NVIDIA Container Toolkit mounts both only with the graphics driver capability: run with -e NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics (${now}).`;
  }
  return `Install the NVIDIA driver's Vulkan/GL user-space part${versionNote(host, ' for driver ')} (Debian: nvidia-vulkan-icd; Ubuntu: libnvidia-gl-<driver branch>); in a container, also request the graphics driver capability (NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics).`;
}

/** The kernel module's version after a prefix, or '' when the driver does not say. */
function versionNote(host: HostView, prefix: string): string {
  const m = /Kernel Module\s+(?:for\s+\S+\s+)?([\d.]+)/.exec(host.read(DRIVER_VERSION_FILE) ?? '');
  return m ? `${prefix}${m[1]}` : '';
}

function inContainer(host: HostView): boolean {
  return host.exists('/.dockerenv') || host.exists('/run/.containerenv') || host.env.NVIDIA_VISIBLE_DEVICES !== undefined;
}

/** The loader reads only VK_DRIVER_FILES / VK_ICD_FILENAMES when set, else the standard directories. */
function icdDirs(host: HostView): string[] {
  const override = host.env.VK_DRIVER_FILES ?? host.env.VK_ICD_FILENAMES;
  if (override) return override.split(':').filter((s) => s.length > 0);
  const xdg = (host.env.XDG_DATA_DIRS ?? '').split(':').filter((s) => s.length > 0).map((d) => join(d, 'vulkan/icd.d'));
  return [...new Set([...ICD_DIRS, ...xdg])];
}

function findNvidiaIcd(host: HostView): string | undefined {
  for (const entry of icdDirs(host)) {
    const files = entry.endsWith('.json') ? [entry] : host.list(entry).map((n) => join(entry, n));
    const hit = files.find((f) => /nvidia[^/]*\.json$/i.test(f) && host.exists(f));
    if (hit) return hit;
  }
  return undefined;
}

function icdLibrary(host: HostView, icd: string): string {
  const parsed = attempt(() => JSON.parse(host.read(icd) ?? '') as { ICD?: { library_path?: unknown } }, undefined);
  const path = parsed?.ICD?.library_path;
  return typeof path === 'string' && path.length > 0 ? path : DEFAULT_NVIDIA_LIBRARY;
}

function findLibrary(host: HostView, name: string): string | undefined {
  if (name.includes('/')) return host.exists(name) ? name : undefined;
  return libDirs(host).map((d) => join(d, name)).find((p) => host.exists(p));
}

const libDirs = (host: HostView): string[] =>
  [...new Set([...(host.env.LD_LIBRARY_PATH ?? '').split(':').filter((s) => s.length > 0), ...LIB_DIRS])];

const pathDirs = (host: HostView): string[] => (host.env.PATH ?? '').split(delimiter).filter((s) => s.length > 0);
