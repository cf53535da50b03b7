/** Field readers shared by the resource parsers: addresses, AS numbers, durations, selectors, secret refs. */
import { parseCidr, parseIp, type Cidr, type IpAddress } from '../address.js';
import type { ResourceReader } from '../fields.js';
import { parseSelector, SelectorSyntaxError } from '../selector/index.js';
import { parseAsNumber, parseGoDuration } from '../values.js';
import type { RawValue } from '../yaml-documents.js';
import type { SecretKeyRef, SelectorField } from './types.js';

export function readIp(r: ResourceReader, v: RawValue | undefined, field: string): IpAddress | undefined {
  const s = r.text(v, field);
  if (s === undefined) return undefined;
  return parseIp(s) ?? r.fail(field, `"${s}" is not an IP address`);
}

export function readCidr(r: ResourceReader, v: RawValue | undefined, field: string): Cidr | undefined {
  const s = r.text(v, field);
  if (s === undefined) return undefined;
  return parseCidr(s) ?? r.fail(field, `"${s}" is not a CIDR (expected address/length, e.g. 192.168.0.0/16)`);
}

export function readAsNumber(r: ResourceReader, v: RawValue | undefined, field: string): number | undefined {
  const s = r.text(v, field);
  if (s === undefined) return undefined;
  const n = parseAsNumber(s);
  if (n === null) return r.fail(field, `"${s}" is not an AS number (0..4294967295, or asdot like 1.10)`);
  return n;
}

/** A Kubernetes duration (`10s`, `2m`), in seconds. */
export function readDuration(r: ResourceReader, v: RawValue | undefined, field: string): number | undefined {
  const s = r.text(v, field);
  if (s === undefined) return undefined;
  const d = parseGoDuration(s);
  if (d === null) return r.fail(field, `"${s}" is not a duration (e.g. 120s, 2m, 1m30s)`);
  if (d < 0) return r.fail(field, `"${s}" is negative`);
  return d;
}

export function readSelector(r: ResourceReader, v: RawValue | undefined, field: string): SelectorField | undefined {
  const text = r.text(v, field);
  if (text === undefined) return undefined;
  try {
    return { text, selector: parseSelector(text) };
  } catch (e) {
    if (e instanceof SelectorSyntaxError) return r.fail(field, `invalid selector: ${e.message}`);
    throw e;
  }
}

/** `{secretKeyRef: {name, key}}` as used by BGP passwords. */
export function readSecretKeyRef(r: ResourceReader, v: RawValue | undefined, field: string): SecretKeyRef | undefined {
  const o = r.object(v, field);
  if (o === undefined) return undefined;
  r.unknownFields(o, field, ['secretKeyRef']);
  const ref = r.object(o['secretKeyRef'], `${field}.secretKeyRef`);
  if (ref === undefined) return r.fail(`${field}.secretKeyRef`, 'is required (a password is read from a Secret)');
  r.unknownFields(ref, `${field}.secretKeyRef`, ['name', 'key', 'optional']);
  const name = r.text(ref['name'], `${field}.secretKeyRef.name`);
  const key = r.text(ref['key'], `${field}.secretKeyRef.key`);
  if (name === undefined) r.fail(`${field}.secretKeyRef.name`, 'is required');
  if (key === undefined) r.fail(`${field}.secretKeyRef.key`, 'is required');
  return name !== undefined && key !== undefined ? { name, key } : undefined;
}

/** Kubernetes object names: lower-case DNS subdomain (RFC 1123), at most 253 characters. */
export function isValidResourceName(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}
