// The part of procs.mjs the TypeScript tests use.
export interface ProcessUsage {
  ppid: number;
  name: string;
  rssBytes: number;
  cpuMs: number;
}
export function processUsage(pid: number): ProcessUsage | null;
export function processTree(pid: number, depth?: number): Array<ProcessUsage & { pid: number }>;
export function freePort(): Promise<number>;
