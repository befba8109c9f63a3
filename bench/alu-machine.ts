// What the integer bench records about the machine beyond bench/lib.ts: the CPU model the
// kernel names, and on a real card the datasheet 32-bit integer peak of the classes its adapter
// strings name (a figure to compare with, never a judgement: the strings are forgeable).
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { AdapterReport } from '../src/gpu/adapter-info.js';

/** Datasheet 32-bit integer peaks (TOPS) of the classes the adapter strings name, where the table has one. */
export function datasheetIntPeaks(report: Pick<AdapterReport, 'vendor' | 'architecture' | 'device' | 'description'>, path: string | URL = new URL('../fixtures/gpu-classes.json', import.meta.url)): { class: string; int32_tops: number; source?: string }[] {
  // Read raw and defensively: int32_tops is not in every version of the table (nor its schema).
  let classes: unknown;
  try {
    classes = (JSON.parse(readFileSync(path, 'utf8')) as { classes?: unknown }).classes;
  } catch {
    return [];
  }
  if (!Array.isArray(classes)) return [];
  const s = [report.vendor, report.architecture, report.device, report.description].map((x) => (x ?? '').slice(0, 256)).join(' ');
  const out: { class: string; int32_tops: number; source?: string }[] = [];
  for (const c of classes as Record<string, unknown>[]) {
    const pats = Array.isArray(c?.adapter_patterns) ? (c.adapter_patterns as unknown[]) : [];
    const hit = pats.some((p) => {
      try {
        return typeof p === 'string' && new RegExp(p, 'i').test(s);
      } catch {
        return false;
      }
    });
    const raw = c?.int32_tops as unknown;
    const value = typeof raw === 'number' ? raw : typeof (raw as { value?: unknown })?.value === 'number' ? (raw as { value: number }).value : null;
    if (hit && value !== null && value > 0) {
      const source = (raw as { source?: unknown })?.source;
      out.push({ class: String(c.id), int32_tops: value, ...(typeof source === 'string' ? { source } : {}) });
    }
  }
  return out;
}

const cpuinfo = (): string => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return ''; // not Linux: the OS's name for the model, no flags
  }
};

export function cpuModel(): string {
  return /^model name\s*:\s*(.+)$/m.exec(cpuinfo())?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
}

/** The vector extensions that set the C chain's width (a VM may name its CPU only "Processor"). */
export function cpuVectorFlags(): string[] {
  const flags = new Set((/^(?:flags|Features)\s*:\s*(.+)$/m.exec(cpuinfo())?.[1] ?? '').split(/\s+/));
  return ['avx512f', 'avx512vl', 'avx2', 'avx', 'asimd', 'sve', 'sve2'].filter((f) => flags.has(f));
}
