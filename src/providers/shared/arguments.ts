// The arguments of a tool call the provider made with none. OpenAI's schemas make a call's
// `arguments` a required string holding JSON (FunctionToolCall.arguments,
// ChatCompletionMessageToolCall.function.arguments), and OpenAI itself sends "{}" for a function
// without parameters; other providers send "", no field at all, or an empty object. Adapters emit
// this explicitly when a provider finished a call without arguments, so a client never receives
// "" (which no client can JSON.parse) — and so "no arguments" is told apart from arguments that
// were lost: a call that ends without any arguments delta was cut, never silently "{}".
export const NO_ARGUMENTS = '{}';
