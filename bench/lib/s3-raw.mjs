// The baseline of s3-roundtrip.mjs: the AWS SDK alone, no Tempeh. `put` sends a file from disk in one
// PutObject with its length (streamed, as the SDK does for a file stream); `get` streams an object to
// stdout. Credentials and endpoint from the environment (AWS_*, S3_BENCH_ENDPOINT).
//   node bench/lib/s3-raw.mjs put BUCKET KEY FILE | get BUCKET KEY
import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
// The SDK is a dependency of @tempeh/backend-s3; the bench loads it from there.
const { S3Client, PutObjectCommand, GetObjectCommand } = createRequire(`${REPO}packages/backend-s3/package.json`)('@aws-sdk/client-s3');
const client = new S3Client({
  region: process.env.AWS_REGION ?? 'us-east-1',
  endpoint: process.env.S3_BENCH_ENDPOINT,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const [op, bucket, key, file] = process.argv.slice(2);
if (op === 'put') {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file, { highWaterMark: 1024 * 1024 }), ContentLength: statSync(file).size }));
} else if (op === 'get') {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await pipeline(out.Body, process.stdout);
} else {
  console.error('usage: s3-raw.mjs put BUCKET KEY FILE | get BUCKET KEY');
  process.exit(2);
}
client.destroy();
