// Export hosts (name, address, user, group) as an Ansible inventory in YAML.
// Run from the repository root, after set-up:
//   node examples/pipelines/inventory.mjs [state-file]   (default: fixtures/terraform/generated/aws-6-services.tfstate)
//
// Hosts come from every resource whose current instances carry an IP
// address (aws_instance here: public_ip is empty in this state, so
// private_ip is used). The group is the Environment tag. The state has no
// login user attribute, so the user is a User/ansible_user tag when one is
// set, else `ubuntu`, after the AMI the instances boot (data.aws_ami.ubuntu).
import { fromFile, pipeline } from '@tempeh/core';

const file = process.argv[2] ?? 'fixtures/terraform/generated/aws-6-services.tfstate';
const tasks = new URL('./tasks/hosts.mjs', import.meta.url).href;

const hosts = await pipeline(fromFile(file))
  .filter({ module: tasks, export: 'hasHosts' })
  .map({ module: tasks, export: 'hosts', options: { defaultUser: 'ubuntu', groupTag: 'Environment' } })
  .reduce((all, item) => [...all, ...item.value], []);

/** group → name → host; a name seen twice gets its address appended, so no host is lost. */
const groups = new Map();
const names = new Set();
for (const host of hosts) {
  const name = names.has(host.name) ? `${host.name}-${host.address}` : host.name;
  names.add(name);
  if (!groups.has(host.group)) groups.set(host.group, new Map());
  groups.get(host.group).set(name, host);
}

const lines = ['all:', '  children:'];
for (const group of [...groups.keys()].sort()) {
  lines.push(`    ${group}:`, '      hosts:');
  for (const [name, host] of [...groups.get(group)].sort((a, b) => a[0].localeCompare(b[0]))) {
    lines.push(`        ${name}:`, `          ansible_host: ${host.address}`, `          ansible_user: ${host.user}`);
  }
}
console.log(lines.join('\n'));
