/**
 * Validation errors for Calico resources. Every problem names the resource
 * (kind and name), where it came from, the field path and what is wrong, so an
 * operator can fix a datastore without reading petrel's source.
 */

/** Where a resource was read from: a file (or other source) and a line. */
export interface SourceRef {
  readonly source: string;
  /** 1-based line of the document's first line, when known. */
  readonly line?: number;
}

export interface ValidationIssue {
  readonly kind: string;
  readonly name: string;
  /** Dotted field path, e.g. `spec.peerIP` or `spec.exportV4[2].cidr`; '' for the whole document. */
  readonly field: string;
  readonly problem: string;
  readonly where?: SourceRef;
}

export function formatIssue(i: ValidationIssue): string {
  const where = i.where ? ` (${i.where.source}${i.where.line !== undefined ? `:${i.where.line}` : ''})` : '';
  const what = i.name === '' ? i.kind : `${i.kind} "${i.name}"`;
  return `${what}${where}: ${i.field === '' ? '' : `${i.field}: `}${i.problem}`;
}

/** Thrown when a set of resources is invalid; carries every problem found, not just the first. */
export class CalicoConfigError extends Error {
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[]) {
    const lines = issues.map(formatIssue);
    super(
      issues.length === 1
        ? lines[0]!
        : `${issues.length} problems in the Calico resources:\n  ${lines.join('\n  ')}`,
    );
    this.name = 'CalicoConfigError';
    this.issues = issues;
  }
}
