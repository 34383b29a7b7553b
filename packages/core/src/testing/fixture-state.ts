import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

// fixtures/terraform/edge/deposed.tfstate, gzip+base64: a state written by
// Terraform 1.11.4 itself (modules, count and for_each keys, a deposed object,
// a sensitive output, check results). Shipped inside the package because a
// third-party backend author running the suite has no copy of the fixtures.
// test/conformance/fixture-state.test.ts checks it against the file.
const GZIPPED = [
  'H4sIAAAAAAACA+1d2XKjuhZ9z1e4eI7SkgAh9Ufc+wF9XC4NW25uMLgYks7pyr/fAs824CHEsbuVPCRBsobN2msPGvL7YTTyXiAv4iz1vo+Cx/rvEvJc2iyf',
  'TTYlHnki5CnwmgoF5LFMvO8j32/+TuIU5BTqahqsDaXGCAtpkLARQwJCQNzHXPhKYKbCRSNZVc6rsvC+j34/jEajkWfUZC6L4jXLzfphPTqZVE3Tha9zv0Qv',
  'tPl8U1a+zRdFZR6n083zAtIiLuOXurDMK2ievy+KvVlmqgQmsSnauvmxfDAaeYQCCTTRKMBEIJ8ZH4lQURSoSHMeWV8Tu+5zNPIwZ4pjoxCzlCEjbIi4hhAF',
  'URQyICEhnHrL6uP9OWz1W1bzBLYa3hSNDqa6/Wz9aPyw/XM17xTK1yx/nujY5K0CJvip+f5GWKeId1osIH+JNUzmWV62CvP3ZlJyHnvfRxxzvCWxejxQD0Zg',
  'gZeP33skk6n/gS63Jv97WwyLLry0minIdyW07mhVui58b5VVNS/KHORsksN0oQCH4oIKvUJRInJEWA/LZr0ciqzKNRTrSa0bnWWm+aCRpTxsbqOQOcyyEiZF',
  'KcsNQrxUzpp6q1FvSuZ59hKbxcxXv//4Z9PgU5x9U1WclHH6bf3wH2+8aSFOi1Km24M+kHuhf8JMbpEF3pG9LMs8VlUJxQ4imjIl9TOktb57SaZlsvPWRiNP',
  'Z6mNpwefa4XYumguy591i0/fVgJ5Ku1CZHuV3x/3mz3AXDf22mRxMIZ91dyH3b7Kto7LM2BllTQ6llZJsle6z6SnSWmN7C0gX008m86HEVCt38VcalhK6KGj',
  '6sYyTHZg+WPcTwgHijqTqZyC6dPVXV1e6eiShe9HReNGO4FrFlnpIykDgqjyKTJMGoQFoUoHEaNM7ytvnM6r8kxULo1Tqy3ank+lUiiLVii2Q26/bfKEv9Gg',
  'pe2dtyW7KvybpbtGQHotFd8fLxwdPWl06uTRqdbRHTwbt4i6lNOi9V2NRt5/lgOZyTjddsx2Kv33NV2iO5FlDd7jyv55xLOScosbdSK4Why07a/2j3Q/75tB',
  'P2JOn9EBcE6pu8JQF0F3o6gTS3+rJB5Ofdoqs5UGdoCxV2Zd8lpr7pH5b5S3b/JtEx9/0KIvnBpnPZz1cNbDWQ9nPZz1OMd6lHk8nUJeTHKYJ3cRFtYNXDcm',
  'jFMDvybP8HYQDn44WuTalzryFVKGEmSCIEABaIqooAZ4JBixMES0aOLi+Uwz3gwQd1i+Iv4XJlPlfR8RfLHJa+Ta3omXSAVJp0GE9KWWXpcpzLOkwUoC0myn',
  'MK9vB/vkfmsWboHIlqRwz9s/yBJfi6xX2Okb7wZEg3L6EnzHKH0FwruIBxw/OH5w/PBX8MNgHt9OLQNzSA2kOoZDge45dU/7qf32WstF023JbHmZj8d9NTKs',
  'r4apMJIHDEnp+yiKjKiT+gQZaSgNrbREhvfoqz2e2Q852g/9OOeTz+J8myVJ9upY/zZZ/9EZNWfU/lSn1xGtI1pHtI5oXfRwD9EDHTZ6IFJSqTBBOAoCJDDz',
  'kZBCIMm0VoxwFQrrooduo3ZuP/RoP/7HjSd1xtMZTzc95xs438AFYc5eOXvlCN1Nz9krF8teM5b93P1WeVbKcufM6H2cw6EEhBAWEKWcocD6EaLCZ4gADyJt',
  'jeIhOzveXksDvfhelyFrxfH5vtJwfbXg/BwPraisjRsGefGvd/Bt0+uFB98+qMY6B1nCRIHNcpgYKMo8e9s+Jd2XRzIwzwpocBhJTKzysTdsOolxZYXWFEnQ',
  'BIVGGcQ5j5Cx1HIrNDM+fATe9IrwprcCb+rgvQvvzzUtBegcynszLGHAiIp8hkKqfRRJGSBpQSBMJQkwF4IRNkQit8yeoTn4W2bPiFC/7XxOVSykJc0sTq8H',
  '3vXQ+o53rMY2zLnli3ILToSf4e4+9MVYbW9hSQdTKJuW2t7C2iosNOXYa/hoLwvpP/RJc/wVzvbK0f+68w3N3SADuyqKRUwSgnBAQiQsNUgRzZCgkmKlI60N',
  'HoIw14cJ92awKl6GWsdPPda3tBxcwbKJVmGexFoWHem0nlNE3rxSSazbdf1nWc4PNXx8NUI64aTWtgj7qi3l15tw2JJib73+Q1mX5PSOpiP60hDjW0mbO7A7',
  'sN8j2G8o53bxzpDVJVnDmklrhA4DHiBpjEVBJDAKucJIEz8QETAccj6kmWyZxKXkUV9K1k8e5EzyiNMS8lQmjiSuSBL3YfEcbh1unfH6iuh0Of17S9jhSEgq',
  'qUCBJICEMRpFOMCI+lQFOohowM8/t+XV1yS2uLdDZ8mH6OacBHkL+xymxcdncFeXYrfSZ5dCj4fOhZ+uMtVibXrx25OczyeqltTjYFql3hq38gtTPr+GTvgE',
  'ESOcMBQFzEcmYhRJzAPkcyp1xAgFSc9XuFrs6NenK9wQ3XyFndgD6NOe3VjeD/t41odmsL9l5cxA6W1gZBkWhj4nFAXaCuRbpRD3DUZcUiUi7RttL0XW23WQ',
  '9eaQdRRZX07Je1O6Ez/nzFvYP5xA2BH6TmxRlGC6NpQm8AIJ6ShdldPO8uYS/aLsDCTqr3oNu3tXnpVJAeduJdxosQGYo2bqJ+9TO3zWsjvYe4V4+rPzOrzW',
  'bcite4b9mw89l/AYdKvhGlaftulzDcwfPbVO6eVYT6eB/KTI+ZQoeqcxlWXJCW2tah6tOD5SY3ysr+1IqP9awFHPHtr+oZy38/b95J23/Rq9esldl492bhf+',
  '0uybI31H+o70Hek70r8v0v+Ce14/PUxbBpF/zGWwxgjJZGRQpLBBJtCAQrAEWUspxpEvOB7kX4fMZQ5peWHIuAXyen3siv8naDXoPjuzHlinKl3BV3LyvekV',
  'tdPyWUPdOljKsmrWRktZLw6bgTOiUG9HB8KQthFBka8VwrLeXGlNEPqWWm1vjTOo4wwnX8cZn3jXUKgJFRo0Un6kEeNWoEBLgxiloWQ+9jFEN0YKviMFJ9+/',
  'iBTOD56mOUDq9h300J4II4k5ZghzLREOMCCFeX0wlmIS+pJzY85fHW7kfoWNB4P0c4NqsIezz19U7v5QI+Kzu2r91M1tjQiB1d8RYkT4KLI8QESJEFk/kFYT',
  'K4MLVn+XoHy7EvjfHPjvH/xfb9nuc/sG5kxxbBRiljJkhA0R1xCiIIpCBiQkhNMht2/sSv3vWspbzP2qa3lB29BCt2znlu3csp1btvuUvRqO4R3DO4Z3DO8Y',
  '/m/YmHHHQeutBpJ/2gYTZaUNcGSRERAhgkWAgpAoFCrBIk55ZJk/7LrQBUHt7vJA4NaFnHwdvX5BTvBW/u2miVikjPGRrzggoCRAEWMMcWGlCWQUagw3Rlqh',
  'Iy0nX0daN0Nau57kwzJC8PRP0M+THIoq2YoL1i7mAimT5zhteCiHIqvy7csZF31OpDH5oTf5dHhx+mYvoJXxJrBbdtTjEi5HcmpHfZ01ZfWTKofJDIpCTtvQ',
  'sNDw0awqylGalSMFI5jNy7dLXPU9OTZS7xRiU7q65WQSF5N5Hr/IEtqkWKXPafaatglyrS7N2354f/g/ECotrcCZAAA=',
].join('');

/** sha256 of the fixture's bytes, to catch a corrupted copy early. */
export const TERRAFORM_FIXTURE_SHA256 = 'd55f23d52400a9ade8ce7621e70095d7e314f36385ab5f117b005a2a71db40c1';

/** A real Terraform-written v4 state (lineage ceff5ac0-…, serial 33), as bytes. A fresh copy per call. */
export function terraformFixtureState(): Buffer {
  const bytes = gunzipSync(Buffer.from(GZIPPED, 'base64'));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== TERRAFORM_FIXTURE_SHA256) throw new Error(`the embedded Terraform fixture is corrupt (sha256 ${sha256})`);
  return bytes;
}
