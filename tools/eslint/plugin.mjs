// modelplane's own lint rules (ESLint flat-config plugin).

/**
 * `optional-prop-default`: every optional member of an exported `...Props` or `...Options` interface
 * carries a JSDoc comment with `@default`, so a reader learns what leaving it out means.
 */
const optionalPropDefault = {
  meta: {
    type: 'suggestion',
    docs: { description: 'Optional props of exported Props/Options interfaces document their default with @default.' },
    schema: [],
    messages: {
      missing:
        'Optional prop `{{name}}` of {{iface}} has no `@default` in its doc comment. Fix: add `@default <value>` (or `@default - <what happens>`).',
    },
  },
  create(context) {
    const source = context.sourceCode;
    return {
      TSInterfaceDeclaration(node) {
        if (!/(Props|Options)$/.test(node.id.name) || node.parent?.type !== 'ExportNamedDeclaration') return;
        for (const member of node.body.body) {
          if (member.type !== 'TSPropertySignature' || !member.optional) continue;
          const docs = source.getCommentsBefore(member).filter((c) => c.type === 'Block' && c.value.startsWith('*'));
          const doc = docs[docs.length - 1];
          if (doc && /@default\b/.test(doc.value)) continue;
          const name = member.key.type === 'Identifier' ? member.key.name : source.getText(member.key);
          context.report({ node: member, messageId: 'missing', data: { name, iface: node.id.name } });
        }
      },
    };
  },
};

export default { rules: { 'optional-prop-default': optionalPropDefault } };
