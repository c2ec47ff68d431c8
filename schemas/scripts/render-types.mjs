// Renders TypeScript declarations for Avro schemas. Named types (records, enums) become one exported
// declaration each, shared across files by name; a name defined twice with different shapes is an error.
// timestamp-millis stays a number (epoch millis): the serde does not map logical types.

export function renderTypes(schemas) {
  const decls = new Map(); // name -> text
  const roots = [];

  const doc = (d, indent = '') => (d ? `${indent}/** ${d.replace(/\*\//g, '*\\/')} */\n` : '');

  function define(name, text) {
    const prev = decls.get(name);
    if (prev !== undefined && prev !== text) throw new Error(`type ${name} is defined twice with different shapes`);
    decls.set(name, text);
  }

  function ts(type) {
    if (typeof type === 'string') {
      switch (type) {
        case 'null':
          return 'null';
        case 'boolean':
          return 'boolean';
        case 'int':
        case 'long':
        case 'float':
        case 'double':
          return 'number';
        case 'bytes':
          return 'Buffer';
        case 'string':
          return 'string';
        default:
          return type.split('.').pop();
      }
    }
    if (Array.isArray(type)) return type.map(ts).join(' | ');
    switch (type.type) {
      case 'record': {
        const fields = type.fields
          .map((fld) => `${doc(fld.doc, '  ')}  ${fld.name}: ${ts(fld.type)};`)
          .join('\n');
        define(type.name, `${doc(type.doc)}export interface ${type.name} {\n${fields}\n}\n`);
        return type.name;
      }
      case 'enum': {
        const union = type.symbols.map((s) => `'${s}'`).join(' | ');
        const values = type.symbols.map((s) => `'${s}'`).join(', ');
        define(
          type.name,
          `${doc(type.doc)}export type ${type.name} = ${union};\nexport const ${type.name}Values = [${values}] as const;\n`,
        );
        return type.name;
      }
      case 'array':
        return `Array<${ts(type.items)}>`;
      case 'map':
        return `Record<string, ${ts(type.values)}>`;
      default:
        return ts(type.type);
    }
  }

  for (const { file, schema } of schemas) roots.push({ file, name: ts(schema) });

  const header = '// Generated from schemas/avro/*.avsc by scripts/generate-types.mjs. Do not edit.\n\n';
  const body = [...decls.values()].join('\n');
  const files = roots.map((r) => `  '${r.file.replace(/\.avsc$/, '')}': ${r.name};`).join('\n');
  return `${header}${body}\n/** Value type of each schema file, by file name. */\nexport interface SchemaValueTypes {\n${files}\n}\n`;
}
