// A worker task for the inventory example: the hosts model (name, address,
// user, group) read from instance attributes. Any resource whose instances
// carry an IP address counts as a host, so it works for aws_instance and
// for other providers' VMs that use the same attribute names.

const ADDRESS_ATTRIBUTES = ['public_ip', 'ipv4_address', 'private_ip', 'host', 'ip_address'];

/**
 * Filter: some current instance of the resource has an address attribute.
 * @param {import('@tempeh/core').ResourceView} view
 */
export function hasHosts(view) {
  return view.resource.instances.some((instance) => !instance.deposed && addressOf(instance.attributes) !== undefined);
}

/**
 * Map: one host per current instance that has an address.
 * - name: the `Name` tag, else the resource name and instance key;
 * - address: the first non-empty of public_ip, ipv4_address, private_ip, host, ip_address;
 * - user: the `User` or `ansible_user` tag, else `options.defaultUser`;
 * - group: the tag named by `options.groupTag` (default `Environment`), else `ungrouped`.
 * @param {import('@tempeh/core').ResourceView} view
 * @param {{ defaultUser?: string, groupTag?: string }} [options]
 */
export function hosts(view, options = {}) {
  const groupTag = options.groupTag ?? 'Environment';
  const found = [];
  for (const instance of view.resource.instances) {
    if (instance.deposed) continue;
    const attributes = instance.attributes ?? {};
    const address = addressOf(attributes);
    if (address === undefined) continue;
    const tags = attributes.tags && typeof attributes.tags === 'object' ? attributes.tags : {};
    const key = instance.index_key === undefined ? '' : `-${instance.index_key}`;
    found.push({
      name: stringOr(tags.Name, `${view.resource.name}${key}`),
      address,
      user: stringOr(tags.User ?? tags.ansible_user, options.defaultUser ?? 'root'),
      group: stringOr(tags[groupTag], 'ungrouped'),
    });
  }
  return found;
}

function addressOf(attributes) {
  if (!attributes) return undefined;
  for (const name of ADDRESS_ATTRIBUTES) {
    const value = attributes[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function stringOr(value, fallback) {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
