// Turns a zod failure into the one field a user must fix, as a dotted path (`body.matmul.n`).
import type { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The first issue zod reports. Zod walks an object's declared keys in order and reports unknown
 * keys after them, so "first" is stable for a given schema. An unknown key is named itself,
 * not its parent object, so the field points at what to delete.
 */
export function firstIssue(error: z.ZodError, prefix?: string): FieldProblem {
  const issue = error.issues[0];
  if (issue === undefined) return { field: prefix ?? '$', message: 'invalid' };
  const path: string[] = prefix === undefined ? [] : [prefix];
  for (const p of issue.path) path.push(String(p));
  let message = issue.message;
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) {
    path.push(issue.keys[0]);
    message = 'unknown field';
  }
  return { field: path.length === 0 ? '$' : path.join('.'), message };
}
