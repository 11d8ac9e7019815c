// Reads the files humans write — a spec's factory.yaml and a holdout's scenarios.yaml — through
// their zod schemas, turning every problem into one line that names the file, the field and the fix.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { holdoutSchema, type Scenario } from '../domain/holdoutSchema';
import { factoryConfigSchema, type FactoryConfig } from '../domain/specConfig';
import { describeZodError } from '../domain/zodErrors';

export class SpecFileError extends Error {
  override name = 'SpecFileError';
}

function readYamlFile<S extends z.ZodType>(file: string, schema: S, whenMissing: string): z.output<S> {
  if (!fs.existsSync(file)) throw new SpecFileError(`${file} not found: ${whenMissing}`);
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SpecFileError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new SpecFileError(describeZodError(file, parsed.error));
  return parsed.data;
}

export function loadFactoryConfig(specDir: string): FactoryConfig {
  return readYamlFile(path.join(specDir, 'factory.yaml'), factoryConfigSchema, 'add one with at least "name" and "testCommand"');
}

export function loadHoldout(holdoutDir: string): Scenario[] {
  return readYamlFile(path.join(holdoutDir, 'scenarios.yaml'), holdoutSchema, 'a holdout folder needs a scenarios.yaml listing its scenarios');
}
