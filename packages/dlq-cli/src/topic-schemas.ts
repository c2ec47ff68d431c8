import { DependencyUnavailableError } from '@notify/runtime';
import { allTopics, loadSchema, type SchemaName } from '@notify/schemas';
import { usageError } from './usage-error.js';

/** Finds the full record name of the latest schema registered under a subject; undefined when there is none. */
export interface SubjectLookup {
  latestRecordName(subject: string): Promise<string | undefined>;
}

/** Every schema the pipeline's topics use, by its full Avro record name. */
export function knownSchemas(): Map<string, SchemaName> {
  const byFullName = new Map<string, SchemaName>();
  for (const spec of allTopics()) {
    const schema = loadSchema(spec.schema) as { name: string; namespace?: string };
    const fullName =
      schema.name.includes('.') || !schema.namespace ? schema.name : `${schema.namespace}.${schema.name}`;
    byFullName.set(fullName, spec.schema);
  }
  return byFullName;
}

export function parseSchemaName(text: string): SchemaName {
  const names = new Set(allTopics().map((t) => t.schema));
  if (!names.has(text as SchemaName)) {
    throw usageError('--schema', `unknown schema "${text}"; one of ${[...names].join(', ')}`);
  }
  return text as SchemaName;
}

/**
 * The local schema a topic's values are read with: an explicit override, else the topic registry, else the
 * record name of the latest schema registered under the topic's `<topic>-value` subject (topics outside the
 * registry, such as one-off test topics). Answers are cached per topic.
 */
export class TopicSchemaResolver {
  private readonly registryTopics = new Map(allTopics().map((t) => [t.name, t.schema] as const));
  private readonly cache = new Map<string, SchemaName | undefined>();
  private readonly byFullName = knownSchemas();

  constructor(
    private readonly lookup: SubjectLookup | undefined,
    private readonly override?: SchemaName,
  ) {}

  async schemaFor(topic: string): Promise<SchemaName | undefined> {
    if (this.override) return this.override;
    const registered = this.registryTopics.get(topic);
    if (registered) return registered;
    if (this.cache.has(topic)) return this.cache.get(topic);
    const fullName = this.lookup ? await this.lookup.latestRecordName(`${topic}-value`) : undefined;
    const schema = fullName === undefined ? undefined : this.byFullName.get(fullName);
    this.cache.set(topic, schema);
    return schema;
  }
}

interface RegistryClient {
  getLatestSchemaId(subject: string): Promise<number>;
  getSchema(id: number): Promise<unknown>;
}

/** A SubjectLookup over a Confluent-compatible registry client; "not found" is an answer, not an error. */
export function registrySubjectLookup(registry: RegistryClient): SubjectLookup {
  return {
    async latestRecordName(subject) {
      try {
        const id = await registry.getLatestSchemaId(subject);
        const schema = (await registry.getSchema(id)) as { name?: unknown };
        return typeof schema.name === 'string' ? schema.name : undefined;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return undefined;
        throw new DependencyUnavailableError('schema registry', { cause: err });
      }
    },
  };
}
