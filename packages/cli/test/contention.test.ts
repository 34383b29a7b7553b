import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAIN_FIXTURE, tempDir, tempeh } from './helpers/cli.js';

const BUMP = fileURLToPath(new URL('./fixtures/bump.js', import.meta.url));
const WORKERS = 8;
const ROUNDS = 25;

describe('lock contention', () => {
  it(
    `${WORKERS} processes × ${ROUNDS} rounds of exec → pull → bump → push lose no update`,
    async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'terraform.tfstate');
      await copyFile(MAIN_FIXTURE, file);
      const initial = JSON.parse(await readFile(file, 'utf8'));

      const worker = async (): Promise<void> => {
        for (let round = 0; round < ROUNDS; round++) {
          const result = await tempeh(['--state', file, 'exec', '--lock-timeout', '120s', '--', process.execPath, BUMP], { cwd: dir });
          if (result.code !== 0) throw new Error(`round ${round} exited ${result.code}: ${result.stderr}`);
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, worker));

      const final = JSON.parse(await readFile(file, 'utf8'));
      expect(final.outputs.counter.value).toBe(WORKERS * ROUNDS);
      expect(final.serial).toBe(initial.serial + WORKERS * ROUNDS);
      expect(final.lineage).toBe(initial.lineage);
    },
    1_800_000,
  );
});
