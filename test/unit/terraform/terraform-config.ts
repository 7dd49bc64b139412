import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The Terraform configuration as JSON, parsed with @cdktf/hcl2json (HashiCorp's own HCL parser
 * compiled to WebAssembly): blocks become arrays, literals stay literals, expressions become
 * "${...}" strings. Providers cannot be downloaded here, so `terraform validate` cannot run;
 * these helpers let the tests check the configuration's invariants instead.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Block = Record<string, Json>;

interface Hcl2Json {
  parse(filename: string, contents: string): Promise<Record<string, unknown>>;
}

// A variable specifier keeps tsc independent of whether the package is installed yet.
const PARSER_PACKAGE = '@cdktf/hcl2json';

async function loadParser(): Promise<Hcl2Json> {
  try {
    const mod = (await import(PARSER_PACKAGE)) as Hcl2Json & { default?: Hcl2Json };
    return typeof mod.parse === 'function' ? mod : mod.default!;
  } catch (err) {
    throw new Error(`${PARSER_PACKAGE} is needed to parse terraform/*.tf: add it to devDependencies (npm i -D ${PARSER_PACKAGE}@0.21.0)`, {
      cause: err,
    });
  }
}

export interface TerraformConfig {
  dir: string;
  files: Map<string, string>;
  locals: Record<string, Json>;
  variables: Record<string, Block>;
  /** resources[type][name] = the resource's block. */
  resources: Record<string, Record<string, Block>>;
}

export async function loadTerraform(dir: string): Promise<TerraformConfig> {
  const parser = await loadParser();
  const names = (await readdir(dir)).filter((name) => name.endsWith('.tf')).sort();
  const config: TerraformConfig = { dir, files: new Map(), locals: {}, variables: {}, resources: {} };
  for (const name of names) {
    const text = await readFile(path.join(dir, name), 'utf8');
    config.files.set(name, text);
    const parsed = (await parser.parse(name, text)) as {
      locals?: Block[];
      variable?: Record<string, Block[]>;
      resource?: Record<string, Record<string, Block[]>>;
    };
    for (const block of parsed.locals ?? []) Object.assign(config.locals, block);
    for (const [varName, [block]] of Object.entries(parsed.variable ?? {})) config.variables[varName] = block ?? {};
    for (const [type, byName] of Object.entries(parsed.resource ?? {})) {
      for (const [resName, [block]] of Object.entries(byName)) {
        (config.resources[type] ??= {})[resName] = block ?? {};
      }
    }
  }
  return config;
}

/** A nested block (`dead_letter_policy { ... }`) as hcl2json renders it: an array of one object. */
export function nested(block: Block, name: string): Block | undefined {
  const value = block[name];
  return Array.isArray(value) ? (value[0] as Block | undefined) : undefined;
}

export function asObject(value: Json | undefined, what: string): Record<string, Json> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} is not an object literal`);
  return value;
}

/** `local.<name>` for a `for_each = local.<name>` resource. */
export function forEachLocal(config: TerraformConfig, block: Block): Record<string, Json> {
  const match = /^\$\{local\.(\w+)\}$/.exec(String(block.for_each));
  if (!match) throw new Error(`for_each is not a plain local: ${String(block.for_each)}`);
  return asObject(config.locals[match[1]!], `local.${match[1]}`);
}

/**
 * Evaluates the few expression shapes the env maps use: literals, `var.x` (its default),
 * `local.a.b`, and `join(",", var.list)`. Anything else must be given in `examples`, keyed by
 * the reference (e.g. `local.webhook_public_url`), so the test never guesses silently.
 */
export function evaluate(config: TerraformConfig, value: Json, examples: Record<string, string> = {}): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
  const expr = /^\$\{(.*)\}$/s.exec(value)?.[1];
  if (expr === undefined) return value;
  if (expr in examples) return examples[expr]!;
  const variable = /^var\.(\w+)$/.exec(expr);
  if (variable) return evaluate(config, defaultOf(config, variable[1]!), examples);
  const local = /^local\.([\w.]+)$/.exec(expr);
  if (local) {
    const found = local[1]!
      .split('.')
      .reduce<Json | undefined>((node, key) => asObject(node ?? null, `local.${local[1]}`)[key], config.locals as Json);
    if (found === undefined) throw new Error(`local.${local[1]} does not exist`);
    return evaluate(config, found, examples);
  }
  const join = /^join\("(.*)", var\.(\w+)\)$/.exec(expr);
  if (join) {
    const list = defaultOf(config, join[2]!);
    if (!Array.isArray(list)) throw new Error(`var.${join[2]} default is not a list`);
    return list.map((item) => evaluate(config, item, examples)).join(join[1]);
  }
  throw new Error(`cannot evaluate \${${expr}}: add an example value for it`);
}

function defaultOf(config: TerraformConfig, name: string): Json {
  const variable = config.variables[name];
  if (!variable) throw new Error(`var.${name} is not declared`);
  if (!('default' in variable) || variable.default === null) throw new Error(`var.${name} has no default: add an example value for it`);
  return variable.default!;
}
