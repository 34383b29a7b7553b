// @tempeh/backend-s3/testing: run tests against a real S3 server (radosgw from scripts/services/ceph-s3).
export {
  describeWithS3,
  rawClient,
  removeBucket,
  S3_ENDPOINT,
  S3_ACCESS_KEY,
  S3_SECRET_KEY,
  S3_REGION,
  SKIP_REASON,
  CI_FAILURE,
  type BucketOptions,
  type TestS3,
} from './s3-server.js';
