export { evaluateSelector, selectorToString, NAMESPACE_LABEL, type Labels, type Selector } from './ast.js';
export { parseSelector } from './parser.js';
export { SelectorSyntaxError, tokenize, type Token, type TokenKind } from './tokenizer.js';
