// Package expr parses and evaluates the subset of the Okta Expression
// Language that custom token claims use. A hand-written lexer and
// recursive-descent parser build a small tree that a tree-walking evaluator
// reads; nothing is ever evaluated by reflection, and the package imports
// nothing of Gatehouse's.
//
// # Supported language
//
//   - Attributes: user.<attr> and user.profile.<attr> (the user's profile,
//     base and custom attributes), appuser.<attr> (the same attributes:
//     Gatehouse keeps no per-app profiles), user.getInternalProperty("id")
//     and ("status"), app.clientId, org.<attr>, session.amr (an array).
//     An attribute that is not set is null; with no user (client
//     credentials) every user.* attribute is null.
//   - Literals: 'text' and "text" (a doubled quote stands for itself, as in
//     SpEL; backslashes are plain characters), integers, decimals, true,
//     false, null, and arrays {a, b, c}.
//   - Operators, loosest first: c ? a : b and the Elvis a ?: b; OR / ||;
//     AND / &&; == != (also eq ne); < > <= >= (lt gt le ge); + and -;
//     multiplication, division and remainder; unary ! (NOT) and -;
//     parentheses. Keywords are case-insensitive.
//   - String functions: String.append, join, len, removeSpaces, replace,
//     replaceFirst, stringContains, stringSwitch, substring, substringAfter,
//     substringBefore, toUpperCase, toLowerCase, and the deprecated bare
//     forms toUpperCase(), toLowerCase(), substring(), substringBefore(),
//     substringAfter(). A function whose first argument is an array applies
//     to each element (String.replace(groups, "SSO-", "")).
//   - Arrays.add, remove, clear, get, flatten, contains, size (null: 0),
//     isEmpty (null: true), toCsvString. Convert.toInt (rounds half up),
//     Convert.toNum.
//   - Group functions: isMemberOfGroup(id), isMemberOfGroupName(name),
//     isMemberOfAnyGroup(id, ...), isMemberOfGroupNameStartsWith(prefix),
//     isMemberOfGroupNameContains(text), isMemberOfGroupNameRegex("/re/");
//     Groups.startsWith/contains/endsWith("OKTA", pattern, limit) and
//     getFilteredGroups({ids}, "group.name", limit), which return arrays of
//     group names. Groups.* match case-insensitively; only the "OKTA"
//     source has groups.
//
// # Null and types
//
// In + a null beside a string is the empty string (null + "x" is "x");
// otherwise a null operand makes + - * / % null. == and != compare null
// like any value; < > <= >= with a null are false; a null condition is
// false. String functions given a null string give null, except len (0),
// stringContains (false), append and join (null is ""). Numbers are
// integers (64-bit) or decimals; arithmetic that overflows, divides by zero
// or is not finite is an evaluation error. String.replace and replaceFirst
// match literal text.
//
// # Limits
//
// Every expression and evaluation is bounded: MaxLength source bytes,
// MaxDepth nesting, MaxNodes tree nodes, MaxSteps evaluation steps,
// MaxString bytes in any string built and MaxArray elements in any array.
// Regular expressions use Go's RE2 engine (linear time) and at most
// MaxPattern bytes; they must match the whole name, as Java's matches()
// does. Java regex features RE2 lacks (backreferences, lookaround,
// possessive quantifiers) are refused as errors.
//
// Not supported: Time.*, Iso3166Convert.*, user.isMemberOf({...}),
// linked objects, directory functions, method calls on values, the SpEL
// features Okta also refuses (assignment, types, beans).
//
// Errors are *SyntaxError (with the 1-based byte position) from Parse and
// *EvalError from Eval; both wrap ErrTooComplex when a limit was reached.
// Neither ever panics.
package expr
