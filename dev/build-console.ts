// Builds the operator console into dist/console (or the folder given): its API types generated
// from docs/openapi.json (they are not committed), its TypeScript compiled by tsc, its HTML and
// CSS copied beside. `npm run build:console`; `npm run build` and `npm start` run it too.
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
  const resolve = createRequire(import.meta.url).resolve;
  const typesCli = path.join(path.dirname(resolve('openapi-typescript/package.json')), 'bin', 'cli.js');
  await run(
    [typesCli, path.join(root, 'docs', 'openapi.json'), '-o', path.join(source, 'src', 'api-types.ts')],
    'its API types cannot be generated',
  );
  await run([resolve('typescript/bin/tsc'), '-p', path.join(source, 'tsconfig.json'), '--outDir', outDir], 'it does not compile');
  for (const name of await readdir(source)) {
    if (ASSETS.test(name)) await copyFile(path.join(source, name), path.join(outDir, name));
  }
  return outDir;
}

/** A node script of a dev dependency, its output in the error should it fail. */
async function run(args: string[], failure: string): Promise<void> {
  await promisify(execFile)(process.execPath, args, { cwd: root }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`the console: ${failure}:\n${err.stdout ?? ''}${err.stderr ?? String(err)}`);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`built the console into ${await buildConsole(process.argv[2])}`);
}
