// WGSL lives in shaders/*.wgsl and is read at run time. WGSL has no includes, so a module is the
// concatenation of the named files in order (shared functions first).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gpuError } from '../errors.js';

// src/gpu and dist/gpu are both two levels below the package root.
const SHADER_DIR = fileURLToPath(new URL('../../shaders/', import.meta.url));
const sourceCache = new Map<string, string>();

/** The module text: tuning constants (`const NAME: u32 = V;`) first, then the files in order. */
export function shaderSource(files: readonly string[], defines: Record<string, number> = {}): string {
  const header = Object.entries(defines).map(([k, v]) => `const ${k}: u32 = ${v}u;`);
  const bodies = files.map(readShaderFile);
  // Directives (`enable subgroups;`) must precede every declaration, the constants included.
  const directive = /^\s*(enable|requires|diagnostic)\b[^;]*;\s*$/;
  const directives = [...new Set(bodies.flatMap((b) => b.split('\n').filter((l) => directive.test(l)).map((l) => l.trim())))];
  const rest = bodies.map((b) => b.split('\n').filter((l) => !directive.test(l)).join('\n'));
  return [...directives, ...header, ...rest].join('\n');
}

function readShaderFile(name: string): string {
  let s = sourceCache.get(name);
  if (s === undefined) {
    try {
      s = readFileSync(`${SHADER_DIR}${name}.wgsl`, 'utf8');
    } catch (e) {
      throw gpuError(`shader ${name}.wgsl not found in ${SHADER_DIR}`, e);
    }
    sourceCache.set(name, s);
  }
  return s;
}

export interface PipelineSpec {
  /** Unique cache key and GPU label, e.g. `matmul.tile64`. */
  label: string;
  files: readonly string[];
  entryPoint?: string;
  constants?: Record<string, number>;
  /** Tuning constants prepended to the source; WGSL has no preprocessor. */
  defines?: Record<string, number>;
}

// Pipelines are compiled once per device: compilation on lavapipe costs tens of milliseconds.
const pipelines = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

export function getPipeline(device: GPUDevice, spec: PipelineSpec): Promise<GPUComputePipeline> {
  let perDevice = pipelines.get(device);
  if (!perDevice) {
    perDevice = new Map();
    pipelines.set(device, perDevice);
  }
  const key = `${spec.label}|${spec.files.join(',')}|${JSON.stringify(spec.defines ?? {})}|${JSON.stringify(spec.constants ?? {})}`;
  let p = perDevice.get(key);
  if (!p) {
    p = compile(device, spec);
    perDevice.set(key, p);
    p.catch(() => perDevice?.delete(key));
  }
  return p;
}

async function compile(device: GPUDevice, spec: PipelineSpec): Promise<GPUComputePipeline> {
  const module = device.createShaderModule({ label: spec.label, code: shaderSource(spec.files, spec.defines) });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    const msg = errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ');
    throw gpuError(`shader ${spec.label} failed to compile: ${msg}`);
  }
  device.pushErrorScope('validation');
  const pipeline = await device.createComputePipelineAsync({
    label: spec.label,
    layout: 'auto',
    compute: { module, entryPoint: spec.entryPoint ?? 'main', ...(spec.constants ? { constants: spec.constants } : {}) },
  });
  const err = await device.popErrorScope();
  if (err) throw gpuError(`pipeline ${spec.label}: ${err.message}`);
  return pipeline;
}
