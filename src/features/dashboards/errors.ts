// Grafana's dashboard API errors: an HTTP status and either `{"message"}` or, for the errors
// Grafana gives a machine-readable status, `{"status","message"}`.

export class DashboardError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
    /** Grafana's `status` field ("version-mismatch", "empty-name", "not-found"), when it has one. */
    readonly status?: string,
  ) {
    super(message);
    this.name = 'DashboardError';
  }

  body(): Record<string, string> {
    return this.status === undefined ? { message: this.message } : { status: this.status, message: this.message };
  }
}

export const DashboardErrors = {
  notFound: () => new DashboardError(404, 'Dashboard not found', 'not-found'),
  versionMismatch: () => new DashboardError(412, 'The dashboard has been changed by someone else', 'version-mismatch'),
  titleEmpty: () => new DashboardError(400, 'Dashboard title cannot be empty', 'empty-name'),
  sameUidExists: () => new DashboardError(400, 'A dashboard with the same uid already exists'),
  invalidUid: () => new DashboardError(400, 'uid contains illegal characters'),
  uidTooLong: () => new DashboardError(400, 'uid too long, max 40 characters'),
} as const;
