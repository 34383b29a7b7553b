import { TerraformDir } from '@tempeh/core/testing';

export { TerraformDir, hasTerraform, terraformEnv, waitForOutput, type TerraformRun } from '@tempeh/core/testing';

/** A working directory whose configuration uses `backend "pg"` against the test server (`connStr`, Terraform's `schema_name`), initialised. */
export function pgTerraformDir(connStr: string, schema: string): Promise<TerraformDir> {
  return TerraformDir.create('backend "pg" {}', {
    prefix: 'tempeh-tf-pg-',
    initArgs: [`-backend-config=conn_str=${connStr}`, `-backend-config=schema_name=${schema}`],
  });
}
