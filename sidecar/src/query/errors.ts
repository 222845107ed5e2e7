/** A request the engine cannot answer, naming the field at fault. The HTTP layer answers it with a 400. */
export interface QueryIssue {
  readonly path: string;
  readonly message: string;
}

export class QueryError extends Error {
  readonly issues: readonly QueryIssue[];
  constructor(issues: readonly QueryIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'QueryError';
    this.issues = issues;
  }
}

export const queryError = (path: string, message: string): QueryError => new QueryError([{ path, message }]);
