import { Prisma, type PrismaClient } from '@vela/db';

/** One node of a plan as `EXPLAIN (FORMAT JSON)` writes it (the fields the specs read). */
export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Plan Rows': number;
  readonly Plans?: readonly PlanNode[];
}

/** A plan's nodes, depth first: what a spec searches for a scan or an index. */
export const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

type Queryable = Pick<PrismaClient, '$queryRaw'>;

/** The plan Postgres chooses for `sql` with its values bound, without running it. */
export async function explainPlan(client: Queryable, sql: Prisma.Sql): Promise<PlanNode> {
  const [row] = await client.$queryRaw<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(Prisma.sql`EXPLAIN (FORMAT JSON) ${sql}`);
  return row['QUERY PLAN'][0].Plan;
}
