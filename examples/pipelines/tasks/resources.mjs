// Worker tasks for the pipeline examples. They run inside Tempeh's worker
// threads (or in-process for small states), so they receive a ResourceView
// and their options as plain JSON, and return plain data.

/**
 * Filter: keeps resources whose type is `options.type`.
 * @param {import('@tempeh/core').ResourceView} view
 * @param {{ type: string }} options
 */
export function ofType(view, options) {
  return view.resource.type === options.type;
}

/**
 * Map: the `terraform state list` address of each current instance of the
 * resource (deposed objects are not listed, as in Terraform).
 * @param {import('@tempeh/core').ResourceView} view
 */
export function instanceAddresses(view) {
  const { module, mode, type, name, instances } = view.resource;
  const base = `${module ? `${module}.` : ''}${mode === 'data' ? 'data.' : ''}${type}.${name}`;
  return instances
    .filter((instance) => !instance.deposed)
    .map((instance) => {
      const key = instance.index_key;
      if (key === undefined) return base;
      return typeof key === 'string' ? `${base}[${JSON.stringify(key)}]` : `${base}[${key}]`;
    });
}

/**
 * Map: the resource's provider and its number of current instances.
 * @param {import('@tempeh/core').ResourceView} view
 */
export function providerInstances(view) {
  const { provider, instances } = view.resource;
  return { provider, instances: instances.filter((instance) => !instance.deposed).length };
}
