// Builds the operator console into dist/console (or the folder given): its API types generated
// from docs/openapi.json (they are not committed), its TypeScript compiled by tsc, its HTML and
// CSS copied beside. `npm run build:console`; `npm run build` and `npm start` run it too.
// `npm run console:types` (`--types`) only generates the types, for the console's typecheck.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = path.join(root, 'console');
const ASSETS = /\.(html|css|svg|png)$/;
const resolve = createRequire(import.meta.url).resolve;

export const CONSOLE_OUT_DIR = path.join(root, 'dist', 'console');

export async function buildConsole(outDir = CONSOLE_OUT_DIR): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await generateConsoleTypes();
  await run([resolve('typescript/bin/tsc'), '-p', path.join(source, 'tsconfig.json'), '--outDir', outDir], 'it does not compile');
  for (const name of await readdir(source)) {
    if (ASSETS.test(name)) await copyFile(path.join(source, name), path.join(outDir, name));
  }
  return outDir;
}

/** console/src/api-types.ts from docs/openapi.json (openapi-typescript). */
export async function generateConsoleTypes(): Promise<void> {
  const cli = path.join(path.dirname(resolve('openapi-typescript/package.json')), 'bin', 'cli.js');
  await run(
    [cli, path.join(root, 'docs', 'openapi.json'), '-o', path.join(source, 'src', 'api-types.ts')],
    'its API types cannot be generated',
  );
}

/** A node script of a dev dependency, its output in the error should it fail. */
async function run(args: string[], failure: string): Promise<void> {
  await promisify(execFile)(process.execPath, args, { cwd: root }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`the console: ${failure}:\n${err.stdout ?? ''}${err.stderr ?? String(err)}`);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--types') await generateConsoleTypes();
  else console.log(`built the console into ${await buildConsole(process.argv[2])}`);
}
