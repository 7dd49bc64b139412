// Builds the operator console into dist/console (or the folder given): its TypeScript compiled
// by tsc, its HTML and CSS copied beside. `npm run build:console`; `npm run build` runs it too.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = path.join(root, 'console');
const ASSETS = /\.(html|css|svg|png)$/;

export const CONSOLE_OUT_DIR = path.join(root, 'dist', 'console');

export async function buildConsole(outDir = CONSOLE_OUT_DIR): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', path.join(source, 'tsconfig.json'), '--outDir', outDir], { cwd: root }).catch(
    (err: { stdout?: string }) => {
      throw new Error(`the console does not compile:\n${err.stdout ?? String(err)}`);
    },
  );
  for (const name of await readdir(source)) {
    if (ASSETS.test(name)) await copyFile(path.join(source, name), path.join(outDir, name));
  }
  return outDir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`built the console into ${await buildConsole(process.argv[2])}`);
}
