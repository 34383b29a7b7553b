// Baseline process for bench/compare.mjs: the naive streaming approach, stream-json's parser + pick of
// `resources` + streamArray, assembling every resource as a JS object and counting them. Memory stays flat
// at any size, but every byte goes through a JS tokenizer: the speed a straightforward streaming tool gets.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';

let count = 0;
await pipeline(
  createReadStream(process.argv[2], { highWaterMark: 1024 * 1024 }),
  parser.asStream(),
  pick.asStream({ filter: 'resources' }),
  streamArray.asStream(),
  async (items) => {
    for await (const item of items) if (item.value !== undefined) count++;
  },
);
console.log(count);
