// The worker side of a custom validation rule: a task the engine runs on every
// resource, in the worker threads, beside the built-in rules. It returns an
// array of findings ({ path, message }, optionally severity and address); the
// rule's ID and default severity come from the plugin side (index.mjs).
export const requireOwnerTag = {
  init(options) {
    if (typeof options?.tag !== 'string') throw new TypeError('requireOwnerTag needs { tag }');
    return options;
  },
  map(view, { tag }) {
    const findings = [];
    for (const [i, instance] of view.resource.instances.entries()) {
      const input = instance.attributes?.input;
      // terraform_data keeps its input as {"value": …, "type": …}; other resources have `tags` directly.
      const tags = instance.attributes?.tags ?? input?.value?.tags;
      if (tags && typeof tags === 'object' && !(tag in tags)) {
        findings.push({ path: `instances[${i}].attributes.tags`, message: `tagged, but without a "${tag}" tag` });
      }
    }
    return findings;
  },
};
