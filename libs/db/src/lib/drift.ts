// Compares what schema.prisma declares with what a migrated database holds, both reduced
// to one shape, so a hand-written migration that disagrees with the schema is caught.
// Used by drift.spec.ts; the Prisma side comes from @prisma/get-dmmf (a dev dependency:
// Prisma's schema parser, compiled to wasm, so no engine download).
import { getDMMF } from '@prisma/get-dmmf';
import type { Client } from 'pg';

export interface ColumnShape {
  /** As Postgres's format_type() writes it, e.g. `timestamp(3) with time zone`, `text[]`. */
  type: string;
  nullable: boolean;
  /** As pg_get_expr() writes it, e.g. `'{}'::jsonb`, `CURRENT_TIMESTAMP`; null for none. */
  default: string | null;
}

export interface TableShape {
  columns: Record<string, ColumnShape>;
  /** Every index, primary key and unique ones included: `name: [UNIQUE|PRIMARY] (col, col DESC)`. */
  indexes: string[];
  /** `name: (cols) -> table(cols) ON DELETE x ON UPDATE y`. */
  foreignKeys: string[];
}

export interface SchemaShape {
  /** Enum type → its values in order. */
  enums: Record<string, string[]>;
  tables: Record<string, TableShape>;
}

// The parts of Prisma's DMMF this file reads.
interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'normal' | 'unique' | 'fulltext';
  dbName?: string | null;
  fields: { name: string; sortOrder?: 'asc' | 'desc' }[];
}
interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName?: string | null }[];
}
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

const POSTGRES_MAX_IDENTIFIER = 63;

/**
 * The shape schema.prisma asks for, with Prisma's default names for constraints and indexes.
 * Partial indexes carry their predicates as schema.prisma writes them: compare with a
 * database after withPredicatesAsPostgresWrites.
 */
export function shapeOfPrismaSchema(schema: string): SchemaShape {
  const dmmf = getDMMF({ datamodel: schema });
  if ('error' in dmmf) throw new Error(`schema.prisma does not parse: ${dmmf.reason}: ${dmmf.error.message}`);
  const datamodel = dmmf.datamodel as unknown as Datamodel;

  const predicates = partialIndexPredicates(schema);
  const enumDbName = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const enums = Object.fromEntries(datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]));
  const models = new Map(datamodel.models.map((m) => [m.name, m]));
  const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
  const columnOf = (model: DmmfModel, fieldName: string) => {
    const field = model.fields.find((f) => f.name === fieldName);
    if (!field) throw new Error(`schema.prisma: ${model.name}.${fieldName} does not exist`);
    return field.dbName ?? field.name;
  };

  const tables: Record<string, TableShape> = {};
  for (const model of datamodel.models) {
    const table = tableOf(model);
    const columns: Record<string, ColumnShape> = {};
    const foreignKeys: string[] = [];
    for (const field of model.fields) {
      if (field.kind === 'object') {
        if (!field.relationFromFields?.length) continue;
        const target = models.get(field.type);
        if (!target) throw new Error(`schema.prisma: ${model.name}.${field.name} points at unknown model ${field.type}`);
        const from = field.relationFromFields.map((f) => columnOf(model, f));
        const to = (field.relationToFields ?? []).map((f) => columnOf(target, f));
        const optional = field.relationFromFields.some((f) => !model.fields.find((x) => x.name === f)?.isRequired);
        const onDelete = referentialAction(field.relationOnDelete ?? (optional ? 'SetNull' : 'Restrict'));
        const onUpdate = referentialAction(field.relationOnUpdate ?? 'Cascade');
        foreignKeys.push(
          `${constraintName(table, from, 'fkey')}: (${from.join(', ')}) -> ${tableOf(target)}(${to.join(', ')}) ON DELETE ${onDelete} ON UPDATE ${onUpdate}`,
        );
        continue;
      }
      const column = field.dbName ?? field.name;
      const type = columnType(field, enumDbName);
      columns[column] = {
        type,
        // Prisma leaves scalar-list columns nullable.
        nullable: field.isList || !field.isRequired,
        default: columnDefault(field, table, column, type, enumDbName),
      };
    }
    const indexes = datamodel.indexes
      .filter((index) => index.model === model.name)
      .map((index) => {
        const cols = index.fields.map((f) => columnOf(model, f.name));
        const suffix = index.type === 'id' ? 'pkey' : index.type === 'unique' ? 'key' : 'idx';
        const name = index.dbName ?? (index.type === 'id' ? constraintName(table, [], 'pkey') : constraintName(table, cols, suffix));
        const kind = index.type === 'id' ? 'PRIMARY ' : index.type === 'unique' ? 'UNIQUE ' : '';
        const list = index.fields.map((f, i) => (f.sortOrder === 'desc' ? `${cols[i]} DESC` : cols[i]));
        const predicate = index.dbName ? predicates.get(index.dbName) : undefined;
        return `${name}: ${kind}(${list.join(', ')})${predicate ? ` WHERE ${predicate}` : ''}`;
      });
    tables[table] = { columns, indexes: indexes.sort(), foreignKeys: foreignKeys.sort() };
  }
  return { enums, tables };
}

/**
 * The `where: raw("...")` of each partial index (the partialIndexes preview feature), by its
 * `map:` name: Prisma's DMMF leaves the predicate out, so it is read from the schema's text.
 */
function partialIndexPredicates(schema: string): Map<string, string> {
  const predicates = new Map<string, string>();
  for (const line of schema.split('\n')) {
    if (line.trim().startsWith('//')) continue;
    const where = /\bwhere:\s*raw\("((?:[^"\\]|\\.)*)"\)/.exec(line);
    if (!where) continue;
    const map = /\bmap:\s*"([^"]+)"/.exec(line);
    if (!map) throw new Error(`drift check: a partial index needs a map: name (drift.ts reads its predicate by it): ${line.trim()}`);
    predicates.set(map[1], where[1].replace(/\\(["\\])/g, '$1'));
  }
  return predicates;
}

/**
 * `shape` with each partial index's predicate as Postgres writes it back (pg_get_expr), as
 * shapeOfDatabase reads it: an index with schema.prisma's predicate is created on the
 * database `client` is connected to (outside any transaction of its own), read back, and
 * rolled back. A predicate Postgres refuses there (a table or column the migrations lack)
 * stays as written, with Postgres's reason, so diffShapes lists it rather than this throwing.
 */
export async function withPredicatesAsPostgresWrites(client: Client, shape: SchemaShape): Promise<SchemaShape> {
  const tables: Record<string, TableShape> = {};
  for (const [table, tableShape] of Object.entries(shape.tables)) {
    const indexes: string[] = [];
    for (const entry of tableShape.indexes) {
      const partial = /^(.+?: (?:UNIQUE )?\((.*?)\)) WHERE (.*)$/.exec(entry);
      indexes.push(partial ? `${partial[1]} WHERE ${await predicateAsPostgresWrites(client, table, partial[2], partial[3])}` : entry);
    }
    tables[table] = { ...tableShape, indexes: indexes.sort() };
  }
  return { ...shape, tables };
}

async function predicateAsPostgresWrites(client: Client, table: string, columns: string, predicate: string): Promise<string> {
  // `name` or `name DESC`, as the shapes list them.
  const keys = columns
    .split(', ')
    .map((column) => column.replace(/^\S+/, (name) => client.escapeIdentifier(name)))
    .join(', ');
  await client.query('BEGIN');
  try {
    await client.query(`CREATE INDEX drift_probe ON ${client.escapeIdentifier(table)} (${keys}) WHERE ${predicate}`);
    const written = await client.query<{ predicate: string }>(`SELECT pg_get_expr(indpred, indrelid) AS predicate FROM pg_index WHERE indexrelid = 'drift_probe'::regclass`);
    return written.rows[0].predicate;
  } catch (error) {
    return `${predicate} (Postgres refuses it on this database: ${(error as Error).message})`;
  } finally {
    await client.query('ROLLBACK');
  }
}

/** Prisma's default names: `<table>_<columns>_<suffix>`, cut to Postgres's 63 characters. */
function constraintName(table: string, columns: string[], suffix: string): string {
  const stem = [table, ...columns].join('_');
  const room = POSTGRES_MAX_IDENTIFIER - suffix.length - 1;
  return `${stem.length > room ? stem.slice(0, room) : stem}_${suffix}`;
}

function referentialAction(action: string): string {
  const actions: Record<string, string> = {
    Cascade: 'CASCADE',
    Restrict: 'RESTRICT',
    NoAction: 'NO ACTION',
    SetNull: 'SET NULL',
    SetDefault: 'SET DEFAULT',
  };
  const sql = actions[action];
  if (!sql) throw new Error(`drift check: unknown referential action ${action}`);
  return sql;
}

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Decimal: 'numeric(65,30)',
  Bytes: 'bytea',
};

function nativeType(name: string, args: string[]): string {
  const [a, b] = args;
  switch (name) {
    case 'Uuid': return 'uuid';
    case 'Text': return 'text';
    case 'VarChar': return a ? `character varying(${a})` : 'character varying';
    case 'Char': return `character(${a ?? 1})`;
    case 'SmallInt': return 'smallint';
    case 'Integer': return 'integer';
    case 'BigInt': return 'bigint';
    case 'Real': return 'real';
    case 'DoublePrecision': return 'double precision';
    case 'Decimal': return a ? `numeric(${a},${b ?? 0})` : 'numeric';
    case 'Boolean': return 'boolean';
    case 'Timestamptz': return `timestamp(${a ?? 6}) with time zone`;
    case 'Timestamp': return `timestamp(${a ?? 6}) without time zone`;
    case 'Date': return 'date';
    case 'JsonB': return 'jsonb';
    case 'Json': return 'json';
    case 'ByteA': return 'bytea';
    case 'Inet': return 'inet';
    default: throw new Error(`drift check: native type @db.${name} is not mapped yet (add it to nativeType() in drift.ts)`);
  }
}

function columnType(field: DmmfField, enumDbName: Map<string, string>): string {
  let base: string;
  if (field.kind === 'enum') base = enumDbName.get(field.type) ?? field.type;
  else if (field.nativeType) base = nativeType(field.nativeType[0], field.nativeType[1]);
  else if (SCALAR_TYPES[field.type]) base = SCALAR_TYPES[field.type];
  else throw new Error(`drift check: field type ${field.type} is not mapped yet (drift.ts)`);
  return field.isList ? `${base}[]` : base;
}

function columnDefault(field: DmmfField, table: string, column: string, type: string, enumDbName: Map<string, string>): string | null {
  if (!field.hasDefaultValue) return null;
  const value = field.default;
  const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
  if (Array.isArray(value)) {
    if (value.length > 0) throw new Error(`drift check: non-empty list default on ${table}.${column} is not mapped yet (drift.ts)`);
    return `ARRAY[]::${type}`;
  }
  if (value !== null && typeof value === 'object' && 'name' in value) {
    const fn = value as { name: string; args: unknown[] };
    switch (fn.name) {
      case 'dbgenerated': return String(fn.args[0]);
      case 'now': return 'CURRENT_TIMESTAMP';
      case 'autoincrement': return `nextval(${quote(`${table}_${column}_seq`)}::regclass)`;
      // cuid(), uuid(), nanoid(), ulid(): made by the client, no database default.
      default: return null;
    }
  }
  if (field.kind === 'enum') return `${quote(String(value))}::${enumDbName.get(field.type) ?? field.type}`;
  if (typeof value === 'boolean') return String(value);
  // DMMF gives BigInt and Decimal defaults as strings; Postgres prints numbers bare unless negative.
  const numeric = ['Int', 'BigInt', 'Float', 'Decimal'].includes(field.type);
  if (typeof value === 'number' || (numeric && typeof value === 'string')) {
    const text = String(value);
    return text.startsWith('-') ? `${quote(text)}::${type}` : text;
  }
  if (typeof value === 'string') return `${quote(value)}::${type}`;
  throw new Error(`drift check: default ${JSON.stringify(value)} on ${table}.${column} is not mapped yet (drift.ts)`);
}

/** The shape of the database `client` is connected to (its current schema), without `_prisma_migrations`. */
export async function shapeOfDatabase(client: Client): Promise<SchemaShape> {
  const enums: Record<string, string[]> = {};
  const enumRows = await client.query<{ name: string; labels: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = current_schema()
     GROUP BY t.typname`);
  for (const row of enumRows.rows) enums[row.name] = row.labels;

  const tables: Record<string, TableShape> = {};
  const tableRows = await client.query<{ name: string }>(`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'`);
  for (const { name } of tableRows.rows) tables[name] = { columns: {}, indexes: [], foreignKeys: [] };

  const columnRows = await client.query<{ table: string; column: string; type: string; notnull: boolean; default: string | null }>(`
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS default
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`);
  for (const row of columnRows.rows) {
    const table = tables[row.table];
    if (table) table.columns[row.column] = { type: row.type, nullable: !row.notnull, default: row.default };
  }

  const indexRows = await client.query<{ table: string; name: string; unique: boolean; primary: boolean; columns: string[]; predicate: string | null }>(`
    SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
           pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
           array(SELECT coalesce(a.attname, pg_get_indexdef(ix.indexrelid, k.ord::int, true))
                        || CASE WHEN ix.indoption[k.ord - 1] & 1 = 1 THEN ' DESC' ELSE '' END
                   FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                   LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                  ORDER BY k.ord)::text[] AS columns
      FROM pg_index ix
      JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = current_schema()`);
  for (const row of indexRows.rows) {
    const table = tables[row.table];
    if (!table) continue;
    const kind = row.primary ? 'PRIMARY ' : row.unique ? 'UNIQUE ' : '';
    const where = row.predicate ? ` WHERE ${row.predicate}` : '';
    table.indexes.push(`${row.name}: ${kind}(${row.columns.join(', ')})${where}`);
  }

  const fkRows = await client.query<{ table: string; name: string; columns: string[]; target: string; targetColumns: string[]; onDelete: string; onUpdate: string }>(`
    SELECT t.relname AS table, con.conname AS name, f.relname AS target,
           array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
           array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS "targetColumns",
           con.confdeltype AS "onDelete", con.confupdtype AS "onUpdate"
      FROM pg_constraint con
      JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class f ON f.oid = con.confrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE con.contype = 'f' AND n.nspname = current_schema()`);
  const actions: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };
  for (const row of fkRows.rows) {
    const table = tables[row.table];
    if (!table) continue;
    table.foreignKeys.push(
      `${row.name}: (${row.columns.join(', ')}) -> ${row.target}(${row.targetColumns.join(', ')}) ON DELETE ${actions[row.onDelete]} ON UPDATE ${actions[row.onUpdate]}`,
    );
  }
  for (const table of Object.values(tables)) {
    table.indexes.sort();
    table.foreignKeys.sort();
  }
  return { enums, tables };
}

/**
 * Every difference between what schema.prisma declares (`expected`) and what the migrated
 * database holds (`actual`), one line each, in a stable order; empty when they agree.
 */
export function diffShapes(expected: SchemaShape, actual: SchemaShape): string[] {
  const problems: string[] = [];
  for (const name of union(Object.keys(expected.enums), Object.keys(actual.enums))) {
    const want = expected.enums[name];
    const have = actual.enums[name];
    if (!have) problems.push(`enum ${name}: missing from the database`);
    else if (!want) problems.push(`enum ${name}: in the database but not in schema.prisma`);
    else if (want.join(',') !== have.join(',')) problems.push(`enum ${name}: schema.prisma has [${want.join(', ')}], the database [${have.join(', ')}]`);
  }
  for (const name of union(Object.keys(expected.tables), Object.keys(actual.tables))) {
    const want = expected.tables[name];
    const have = actual.tables[name];
    if (!have) {
      problems.push(`table ${name}: missing from the database`);
      continue;
    }
    if (!want) {
      problems.push(`table ${name}: in the database but not in schema.prisma`);
      continue;
    }
    for (const column of union(Object.keys(want.columns), Object.keys(have.columns))) {
      const w = want.columns[column];
      const h = have.columns[column];
      const where = `column ${name}.${column}`;
      if (!h) problems.push(`${where}: missing from the database`);
      else if (!w) problems.push(`${where}: in the database but not in schema.prisma`);
      else {
        if (w.type !== h.type) problems.push(`${where}: schema.prisma has type ${w.type}, the database ${h.type}`);
        if (w.nullable !== h.nullable) {
          problems.push(`${where}: schema.prisma has it ${w.nullable ? 'nullable' : 'NOT NULL'}, the database ${h.nullable ? 'nullable' : 'NOT NULL'}`);
        }
        if (w.default !== h.default) problems.push(`${where}: schema.prisma has default ${w.default ?? 'none'}, the database ${h.default ?? 'none'}`);
      }
    }
    for (const [kind, want2, have2] of [
      ['index', want.indexes, have.indexes],
      ['foreign key', want.foreignKeys, have.foreignKeys],
    ] as const) {
      for (const entry of want2.filter((x) => !have2.includes(x))) problems.push(`${kind} on ${name}: ${entry}: missing from the database`);
      for (const entry of have2.filter((x) => !want2.includes(x))) problems.push(`${kind} on ${name}: ${entry}: in the database but not in schema.prisma`);
    }
  }
  return problems;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
