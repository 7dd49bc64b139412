import { readdirSync, readFileSync } from 'node:fs';

/** Live (non-zombie) processes as pid -> parent pid, from /proc. */
export function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      if (state !== 'Z') table.set(Number(name), Number(ppid));
    } catch {
      // exited while listed
    }
  }
  return table;
}

/** `root` and every live descendant of it. */
export function processTree(root: number): number[] {
  const table = processTable();
  const found = [root];
  for (let i = 0; i < found.length; i += 1) {
    for (const [pid, ppid] of table) if (ppid === found[i]) found.push(pid);
  }
  return found;
}

/** Command lines of `pids`, '' for one already gone. */
export function commandLines(pids: readonly number[]): string[] {
  return pids.map((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      return '';
    }
  });
}
