// A Stryker ignore plugin ('messages', used by stryker.config.mjs): leaves out of the mutation run
// the text of messages meant for people: the reason of a verifier check, the message of a thrown
// error, a schema's wording. What programs act on stays mutated: a check's name and its pass
// value, an error's code and field, and any string the code compares or returns (a verifier's
// `badPath ||= '…'` decides its check, so it is not a message here). Mutated message text makes
// a report read differently and changes no verdict; docs/testing.md, "What is not mutated".
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** Calls whose argument at this index is a message: callee name → argument index. */
const MESSAGE_ARG = {
  check: 2, // check(name, pass, reason)
  skip: 0, // verifier-matmul's skip(why, names): the why becomes each skipped check's reason
  refused: 0, // refused(message, field)
  inputError: 1, // inputError(field, message)
  httpError: 1, // httpError(code, message, field, headers)
  fileError: 2, // stores.ts fileError(path, field, message, cause)
  guard: 0, // ledger.ts guard(doing, fn): what it was doing, for the storage error's message
  GpuproofError: 1, // new GpuproofError(code, message, options)
  Error: 0,
  RangeError: 0,
  TypeError: 0,
  refine: 1, // zod .refine(predicate, message)
  multipleOf: 1, // zod .multipleOf(n, message)
};
/** Object properties that carry a message: zod's addIssue({ message }) and { error } options. */
const MESSAGE_KEYS = new Set(['message', 'error']);

const calleeName = (callee) => (callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' && callee.property.type === 'Identifier' ? callee.property.name : undefined);

function isMessage(path) {
  const parent = path.parentPath;
  if (!parent) return false;
  if ((parent.isCallExpression() || parent.isNewExpression()) && path.listKey === 'arguments') {
    const name = calleeName(parent.node.callee);
    return name !== undefined && Object.hasOwn(MESSAGE_ARG, name) && MESSAGE_ARG[name] === path.key;
  }
  if (parent.isObjectProperty() && path.key === 'value' && !parent.node.computed) {
    const key = parent.node.key;
    const name = key.type === 'Identifier' ? key.name : key.type === 'StringLiteral' ? key.value : undefined;
    return name !== undefined && MESSAGE_KEYS.has(name) && (path.isStringLiteral() || path.isTemplateLiteral());
  }
  return false;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'messages', {
    shouldIgnore(path) {
      return isMessage(path) ? 'message text for people: the wording changes no verdict, code or field (docs/testing.md)' : undefined;
    },
  }),
];
